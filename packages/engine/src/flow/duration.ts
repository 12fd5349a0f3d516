const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: `"30s"`, `"10m"`, `"2h"`, `"1d"`, `"1h30m"`, or milliseconds as a number. */
export type Duration = string | number;

const parsed = new Map<string, number | null>();

/**
 * Milliseconds of a duration, or null when it is not one.
 *
 * @example
 * parseDuration('1h30m'); // 5_400_000
 * parseDuration('soon'); // null
 */
export function parseDuration(duration: Duration): number | null {
  if (typeof duration === 'number') return Number.isFinite(duration) && duration >= 0 ? duration : null;
  // Flows repeat a handful of durations on every step (timeouts, session expiry): read each once.
  const cached = parsed.get(duration);
  if (cached !== undefined) return cached;
  if (parsed.size > 1000) parsed.clear();
  const result = readDuration(duration);
  parsed.set(duration, result);
  return result;
}

function readDuration(duration: string): number | null {
  const text = duration.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g))
    total += Number(amount) * UNITS[unit!]!;
  return Math.round(total);
}
