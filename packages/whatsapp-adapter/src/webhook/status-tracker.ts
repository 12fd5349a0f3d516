import { conversationKey, type EngineEvent } from '@botpe/engine';
import { toGraphApiError } from '../client/graph-error.js';
import type { StatusEvent, WhatsAppStatus } from './parse.js';

type StatusReport = Extract<EngineEvent, { type: 'message.delivered' | 'message.read' | 'message.failed' }>;

// `failed` is terminal; otherwise a status only moves forward (SPEC §7: dedupe and stay monotonic).
const RANK: Record<WhatsAppStatus, number> = { sent: 1, delivered: 2, read: 3, played: 4, failed: 100 };

/**
 * Turns status webhooks into engine events once each: a redelivered, repeated or out-of-order
 * status (a `delivered` after a `read`) reports nothing. Remembers the newest `capacity` messages.
 */
export class StatusTracker {
  private readonly reached = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  /** The engine event this status should raise, or undefined when it adds nothing new. */
  accept(status: StatusEvent): StatusReport | undefined {
    const previous = this.reached.get(status.providerMessageId) ?? 0;
    const rank = RANK[status.status];
    if (rank <= previous || previous === RANK.failed) return undefined;
    this.reached.delete(status.providerMessageId);
    this.reached.set(status.providerMessageId, rank);
    if (this.reached.size > this.capacity) {
      const oldest = this.reached.keys().next().value;
      if (oldest !== undefined) this.reached.delete(oldest);
    }
    const key = conversationKey(status.conversation);
    const base = {
      conversationKey: key,
      providerMessageId: status.providerMessageId,
      timestamp: status.timestamp,
    };
    switch (status.status) {
      case 'sent':
        // The engine raises `message.sent` itself when the send call returns.
        return undefined;
      case 'delivered':
        return { type: 'message.delivered', ...base };
      case 'read':
      case 'played':
        // A voice note's `played` implies read; only the first of the two is reported.
        return previous >= RANK.read ? undefined : { type: 'message.read', ...base };
      case 'failed': {
        const error = status.errors[0];
        // The transport sends the outbox id (its idempotency key) as biz_opaque_callback_data and
        // Meta echoes it here; without it the outbox id is unknown and left empty.
        const failed = {
          type: 'message.failed' as const,
          conversationKey: key,
          outboxId: status.callbackData ?? '',
          providerMessageId: status.providerMessageId,
          // Classified like a synchronous Graph error: 131047 → WHATSAPP_WINDOW_CLOSED, and so on.
          code: toGraphApiError({
            graphCode: error?.code ?? null,
            graphSubcode: null,
            httpStatus: 0,
            details: undefined,
            fbtraceId: undefined,
          }).code,
          message: `${error?.code !== null && error?.code !== undefined ? `(#${error.code}) ` : ''}${
            error?.details ?? error?.title ?? 'WhatsApp reported the message as failed'
          }`,
        };
        return failed;
      }
    }
  }
}
