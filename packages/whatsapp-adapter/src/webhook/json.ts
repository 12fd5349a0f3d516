// Readers for untrusted JSON: each returns undefined instead of throwing on the wrong shape.

export type JsonRecord = Record<string, unknown>;

export function asRecord(value: unknown): JsonRecord | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonRecord)
    : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A finite number, or a string that holds one (some payloads carry coordinates as strings). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** Meta's Unix-seconds timestamps (string or number) as milliseconds. */
export function secondsToMillis(value: unknown): number | undefined {
  const seconds = asNumber(value);
  return seconds === undefined || seconds < 0 ? undefined : Math.round(seconds * 1000);
}
