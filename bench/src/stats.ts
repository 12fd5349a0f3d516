/** Latency figures of one series of timed operations, in microseconds. */
export interface Summary {
  count: number;
  p50_us: number;
  p99_us: number;
  mean_us: number;
}

/** The value at quantile `q` (0..1) of sorted samples, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * p50, p99 and mean of durations given in milliseconds (as `performance.now()` differences).
 *
 * @example
 * summarize([0.05, 0.04, 0.06]).p50_us; // 50
 */
export function summarize(samplesMs: readonly number[]): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  const round = (ms: number) => Math.round(ms * 10_000) / 10; // µs with one decimal
  return {
    count: sorted.length,
    p50_us: round(quantile(sorted, 0.5)),
    p99_us: round(quantile(sorted, 0.99)),
    mean_us: sorted.length === 0 ? Number.NaN : round(total / sorted.length),
  };
}
