import type { Text } from '@botpe/engine';
import { z } from 'zod';

export const FIELD_TYPES = ['string', 'number', 'boolean', 'date', 'email', 'phone', 'enum'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A value `ai.extract` looks for. Its `name` is also the variable it is stored in. */
export interface ExtractField {
  name: string;
  type: FieldType;
  description?: string;
  /** Default true: the node asks for a missing required field, and takes `incomplete` without it. */
  required?: boolean;
  /** The allowed values of an `enum` field. */
  options?: string[];
  /** What to ask when the field is missing. Default: an English question built from the description. */
  question?: Text;
}

/**
 * The schema the model's answer must follow: every field present, `null` when the customer did not say.
 * Formats and patterns carried here are only hints to the model: answers are re-checked by {@link normalizeField}.
 */
export function extractionSchema(fields: ExtractField[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const field of fields) {
    const base = modelSchema(field);
    shape[field.name] = (field.description ? base.describe(field.description) : base).nullable();
  }
  return z.object(shape);
}

function modelSchema(field: ExtractField): z.ZodType {
  switch (field.type) {
    case 'string':
      return z.string();
    case 'number':
      return z.number();
    case 'boolean':
      return z.boolean();
    case 'date':
      return z.iso.date();
    case 'email':
      return z.email();
    case 'phone':
      return z
        .string()
        .describe('A phone number in international format with the country code, e.g. +15550001111');
    case 'enum':
      return z.enum((field.options ?? []) as [string, ...string[]]);
  }
}

/** Checks and normalises one extracted value: emails lower-cased, phones to E.164, dates to `YYYY-MM-DD`. */
export function normalizeField(
  field: ExtractField,
  value: unknown,
): { ok: true; value: unknown } | { ok: false } {
  const no = { ok: false } as const;
  switch (field.type) {
    case 'string': {
      const text = typeof value === 'string' ? value.trim() : '';
      return text === '' ? no : { ok: true, value: text };
    }
    case 'number': {
      const number =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      return Number.isFinite(number) ? { ok: true, value: number } : no;
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return no;
    case 'date':
      return typeof value === 'string' && isCalendarDate(value.trim())
        ? { ok: true, value: value.trim() }
        : no;
    case 'email': {
      const email = z.email().safeParse(typeof value === 'string' ? value.trim() : value);
      return email.success ? { ok: true, value: email.data.toLowerCase() } : no;
    }
    case 'phone': {
      if (typeof value !== 'string') return no;
      const compact = value.replace(/[\s().-]/g, '').replace(/^00/, '+');
      // Only numbers with a country code: a bare local number cannot be turned into E.164 safely.
      return /^\+[1-9]\d{6,14}$/.test(compact) ? { ok: true, value: compact } : no;
    }
    case 'enum': {
      if (typeof value !== 'string') return no;
      const match = field.options?.find((option) => option.toLowerCase() === value.trim().toLowerCase());
      return match === undefined ? no : { ok: true, value: match };
    }
  }
}

function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The English question used when a field has no `question`. */
export function defaultQuestion(field: ExtractField): string {
  const what = field.description ?? field.name;
  const options = field.type === 'enum' && field.options?.length ? ` (${field.options.join(', ')})` : '';
  return `Could you tell me ${lowerFirst(what)}${options}?`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
