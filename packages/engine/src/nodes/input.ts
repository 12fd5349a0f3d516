import { z } from 'zod';
import type { InboundMessage } from '../messages.js';
import { inboundText } from '../messages.js';
import { MAX_MATCHED_INPUT, regexMatchSchema } from './common.js';

/** What a `question` accepts, with its constraints. */
export const inputSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    minLength: z.number().int().nonnegative().optional(),
    maxLength: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('number'),
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().optional(),
  }),
  z.object({ type: z.literal('email') }),
  z.object({
    type: z.literal('phone'),
    defaultCountry: z
      .string()
      .regex(/^([A-Za-z]{2}|\+?\d{1,3})$/)
      .optional(),
  }),
  z.object({ type: z.literal('date') }),
  regexMatchSchema,
  z.object({
    type: z.literal('media'),
    kinds: z
      .array(z.enum(['image', 'video', 'audio', 'document', 'sticker']))
      .min(1)
      .optional(),
  }),
  z.object({ type: z.literal('location') }),
  z.object({ type: z.literal('any') }),
]);

export type InputSpec = z.infer<typeof inputSchema>;

export type Normalized = { ok: true; value: unknown } | { ok: false };

const fail: Normalized = { ok: false };

/** Country calling codes for `phone.defaultCountry` given as an ISO 3166 code. */
const CALLING_CODES: Record<string, string> = {
  AE: '971',
  AR: '54',
  AU: '61',
  BD: '880',
  BO: '591',
  BR: '55',
  CA: '1',
  CH: '41',
  CL: '56',
  CN: '86',
  CO: '57',
  DE: '49',
  EC: '593',
  EG: '20',
  ES: '34',
  FR: '33',
  GB: '44',
  GH: '233',
  ID: '62',
  IE: '353',
  IL: '972',
  IN: '91',
  IT: '39',
  JP: '81',
  KE: '254',
  KR: '82',
  MA: '212',
  MX: '52',
  MY: '60',
  NG: '234',
  NL: '31',
  NZ: '64',
  PE: '51',
  PH: '63',
  PK: '92',
  PL: '48',
  PT: '351',
  PY: '595',
  RU: '7',
  SA: '966',
  SG: '65',
  TH: '66',
  TR: '90',
  UA: '380',
  US: '1',
  UY: '598',
  VE: '58',
  VN: '84',
  ZA: '27',
};

/** A phone number in E.164 (`+5511987654321`), or null. National numbers need `defaultCountry`. */
export function normalizePhone(raw: string, defaultCountry?: string): string | null {
  const text = raw.trim();
  if (!/^\+?[\d\s().-]+$/.test(text)) return null;
  let digits = text.replace(/\D/g, '');
  if (text.startsWith('+')) {
    // already international
  } else if (digits.startsWith('00')) {
    digits = digits.slice(2);
  } else if (defaultCountry) {
    const code = /^\+?\d+$/.test(defaultCountry)
      ? defaultCountry.replace('+', '')
      : CALLING_CODES[defaultCountry.toUpperCase()];
    if (!code) return null;
    // Without a `+`, a number is national (a trunk prefix 0 is dropped) unless it starts with the
    // country code and still has at least ten digits after it: "55 11 98765-4321" in Brazil is
    // international, "(55) 99999-0000" (area code 55) is national.
    const international = digits.startsWith(code) && digits.length - code.length >= 10;
    if (!international) digits = code + digits.replace(/^0+/, '');
  } else {
    return null;
  }
  return digits.length >= 8 && digits.length <= 15 && !digits.startsWith('0') ? `+${digits}` : null;
}

const RELATIVE_DAYS: Record<string, number> = {
  today: 0,
  hoje: 0,
  hoy: 0,
  "aujourd'hui": 0,
  heute: 0,
  tomorrow: 1,
  amanha: 1,
  manana: 1,
  demain: 1,
  morgen: 1,
  yesterday: -1,
  ontem: -1,
  ayer: -1,
  hier: -1,
  gestern: -1,
};

const pad = (value: number) => String(value).padStart(2, '0');

/** A date as `YYYY-MM-DD`, or null. Accepts ISO dates, day/month/year (month/day/year in `en-US`) and today/tomorrow. */
export function normalizeDate(raw: string, locale: string, now: number): string | null {
  const text = raw
    .trim()
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '');
  const relative = RELATIVE_DAYS[text];
  if (relative !== undefined) {
    const date = new Date(now + relative * 86_400_000);
    return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  }
  let year: number;
  let month: number;
  let day: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  const local = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (local) {
    const [first, second] = [Number(local[1]), Number(local[2])];
    [day, month] = locale === 'en-US' ? [second, first] : [first, second];
    year = Number(local[3]);
  } else {
    return null;
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** A number from `12`, `-3.5` or `3,5`, or null. */
export function normalizeNumber(raw: string): number | null {
  const text = raw.trim().replace(/\s/g, '');
  if (!/^[+-]?\d+([.,]\d+)?$/.test(text)) return null;
  return Number(text.replace(',', '.'));
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]{2,}$/;

/** Validates and normalises an answer to a `question`. */
export function normalizeAnswer(
  input: InputSpec,
  message: InboundMessage,
  locale: string,
  now: number,
): Normalized {
  const isTextual = message.type === 'text' || message.type === 'button' || message.type === 'list';
  const text = inboundText(message);
  switch (input.type) {
    case 'any':
      return { ok: true, value: text };
    case 'media':
      if (message.type !== 'media' || (input.kinds && !input.kinds.includes(message.kind))) return fail;
      return {
        ok: true,
        value: {
          kind: message.kind,
          id: message.mediaId,
          mimeType: message.mimeType,
          ...(message.caption !== undefined ? { caption: message.caption } : {}),
        },
      };
    case 'location':
      if (message.type !== 'location') return fail;
      return {
        ok: true,
        value: {
          latitude: message.latitude,
          longitude: message.longitude,
          ...(message.name !== undefined ? { name: message.name } : {}),
          ...(message.address !== undefined ? { address: message.address } : {}),
        },
      };
    default:
      break;
  }
  if (!isTextual) return fail;
  switch (input.type) {
    case 'text': {
      const length = [...text.trim()].length;
      if (
        length === 0 ||
        length < (input.minLength ?? 0) ||
        length > (input.maxLength ?? Number.POSITIVE_INFINITY)
      )
        return fail;
      return { ok: true, value: text.trim() };
    }
    case 'number': {
      const value = normalizeNumber(text);
      if (value === null || (input.integer && !Number.isInteger(value))) return fail;
      if (value < (input.min ?? Number.NEGATIVE_INFINITY) || value > (input.max ?? Number.POSITIVE_INFINITY))
        return fail;
      return { ok: true, value };
    }
    case 'email': {
      const value = text.trim().toLowerCase();
      return EMAIL.test(value) && value.length <= 254 ? { ok: true, value } : fail;
    }
    case 'phone': {
      const value = normalizePhone(text, input.defaultCountry);
      return value ? { ok: true, value } : fail;
    }
    case 'date': {
      const value = normalizeDate(text, locale, now);
      return value ? { ok: true, value } : fail;
    }
    case 'regex': {
      if (text.length > MAX_MATCHED_INPUT) return fail;
      try {
        return new RegExp(input.pattern, input.flags).test(text.trim())
          ? { ok: true, value: text.trim() }
          : fail;
      } catch {
        return fail;
      }
    }
  }
}
