import { type Clock, type ConversationRef, conversationKey } from '@botpe/engine';

/** Meta's customer service window: 24 hours after the user's last message (SPEC §12.3). */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Remembers each user's last inbound message time, to tell whether a free-form message may be
 * sent. In memory: after a restart it knows nobody until their next message arrives.
 */
export class ServiceWindowTracker {
  private readonly lastInbound = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    /** Beyond this many users, those whose window has closed are forgotten (they become unknown). */
    private readonly maxTracked = 100_000,
  ) {}

  /** Records a user message; a late (older) delivery never moves the time back. */
  noteInbound(conversation: ConversationRef, timestamp: number): void {
    if (!Number.isFinite(timestamp)) return;
    const key = conversationKey(conversation);
    const previous = this.lastInbound.get(key);
    if (previous === undefined || timestamp > previous) this.lastInbound.set(key, timestamp);
    if (this.lastInbound.size > this.maxTracked) this.prune();
  }

  /** True inside the window, false outside it, undefined when no message from the user was seen. */
  isOpen(conversation: ConversationRef): boolean | undefined {
    const last = this.lastInbound.get(conversationKey(conversation));
    if (last === undefined) return undefined;
    return this.clock.now() - last < this.windowMs;
  }

  /** The last inbound time, if known. */
  lastInboundAt(conversation: ConversationRef): number | undefined {
    return this.lastInbound.get(conversationKey(conversation));
  }

  private prune(): void {
    const cutoff = this.clock.now() - this.windowMs;
    for (const [key, at] of this.lastInbound) if (at < cutoff) this.lastInbound.delete(key);
  }
}
