import type { Clock } from '@botpe/engine';

/**
 * A token bucket that hands out reservations: `reserve()` takes a token now, going into debt when
 * the bucket is empty, and says how long the caller must wait. Debt keeps callers in FIFO order
 * without a queue.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    /** Tokens added per millisecond. */
    private readonly refillPerMs: number,
    private readonly clock: Clock,
  ) {
    this.tokens = capacity;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerMs);
    this.updatedAt = now;
  }

  /** Takes one token; returns the milliseconds to wait before using it (0 = now). */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.refillPerMs);
  }

  /** True when the bucket is full again: nobody has used it lately, so it can be forgotten. */
  isIdle(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }
}

export interface PairRateOptions {
  /** Messages a user can receive in a burst (Meta: 45 within 6 seconds). */
  burst: number;
  /** One more message per this many milliseconds after the burst (Meta: 6000). */
  intervalMs: number;
}

/** One bucket per recipient, forgetting idle ones so memory stays bounded. */
export class RecipientPacer {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly options: PairRateOptions,
    private readonly clock: Clock,
    private readonly maxTracked = 10_000,
  ) {}

  reserve(recipient: string): number {
    let bucket = this.buckets.get(recipient);
    if (!bucket) {
      if (this.buckets.size >= this.maxTracked) this.forgetIdle();
      bucket = new TokenBucket(this.options.burst, 1 / this.options.intervalMs, this.clock);
      this.buckets.set(recipient, bucket);
    }
    return bucket.reserve();
  }

  private forgetIdle(): void {
    for (const [recipient, bucket] of this.buckets) if (bucket.isIdle()) this.buckets.delete(recipient);
  }
}
