import { readPath } from './paths.js';

/** `{{ path }}` placeholders; a path is letters, digits, `_`, `$`, `.`, `-` and `[n]`. */
const PLACEHOLDER = /\{\{\s*([\w$.\-[\]]+)\s*\}\}/g;

/** Renders a value for a text: strings as they are, numbers and booleans as text, objects as JSON. */
export function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * Fills `{{path}}` placeholders from `variables`. A missing variable renders as the empty string.
 * Nothing is evaluated: a placeholder is a path, never an expression.
 *
 * @example
 * interpolate('Hi {{contact.name}}!', { contact: { name: 'Ana' } }); // 'Hi Ana!'
 */
export function interpolate(template: string, variables: Readonly<Record<string, unknown>>): string {
  if (!template.includes('{{')) return template;
  return template.replace(PLACEHOLDER, (_match, path: string) => stringify(readPath(variables, path)));
}

/** Every variable path a template reads. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

/** Picks the string of a locale map: the locale, then its language (`pt` for `pt-BR`), then the fallback, then the first. */
export function pickLocale(text: string | Record<string, string>, locale: string, fallback: string): string {
  if (typeof text === 'string') return text;
  const language = locale.split('-')[0]!;
  return text[locale] ?? text[language] ?? text[fallback] ?? Object.values(text)[0] ?? '';
}

/** Fills placeholders in every string of a JSON value. */
export function interpolateDeep(value: unknown, variables: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') return interpolate(value, variables);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, variables));
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = interpolateDeep(item, variables);
    return result;
  }
  return value;
}

/** Folds case and accents, and trims: how choices and string comparisons match ("Café" = "cafe"). */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .trim()
    .replace(/\s+/g, ' ');
}
