import type { ConversationRef, OutboundMessage } from '../messages.js';

/**
 * What a channel accepts. The channel lint checks flows against it and a transport applies its
 * documented fallbacks when a message exceeds it. `Infinity` means no limit.
 */
export interface ChannelLimits {
  maxButtons: number;
  maxButtonTitle: number;
  maxListRows: number;
  maxListSections: number;
  maxRowTitle: number;
  maxRowDescription: number;
  maxSectionTitle: number;
  maxListButtonLabel: number;
  maxInteractiveBody: number;
  maxText: number;
  maxHeader: number;
  maxFooter: number;
  maxCaption: number;
}

/** No limits: what the CLI and the test harness use. */
export const unlimitedChannel: ChannelLimits = {
  maxButtons: Number.POSITIVE_INFINITY,
  maxButtonTitle: Number.POSITIVE_INFINITY,
  maxListRows: Number.POSITIVE_INFINITY,
  maxListSections: Number.POSITIVE_INFINITY,
  maxRowTitle: Number.POSITIVE_INFINITY,
  maxRowDescription: Number.POSITIVE_INFINITY,
  maxSectionTitle: Number.POSITIVE_INFINITY,
  maxListButtonLabel: Number.POSITIVE_INFINITY,
  maxInteractiveBody: Number.POSITIVE_INFINITY,
  maxText: Number.POSITIVE_INFINITY,
  maxHeader: Number.POSITIVE_INFINITY,
  maxFooter: Number.POSITIVE_INFINITY,
  maxCaption: Number.POSITIVE_INFINITY,
};

export interface SendOptions {
  /** Stable across redeliveries of the same outbox entry. */
  idempotencyKey: string;
  signal?: AbortSignal;
}

export interface SendReceipt {
  /** The provider's id of the sent message (for WhatsApp, the `wamid`). */
  providerMessageId: string;
}

/**
 * The outbound port: sends one message to one conversation.
 * A transport throws a `BotpeError` with `retryable: false` for a message that can never be
 * delivered (the engine drops it and emits `message.failed`); any other failure leaves the message
 * in the outbox for `engine.recover()`.
 */
export interface Transport {
  readonly specVersion: 1;
  /** The channel it serves, matched against `ConversationRef.channel`. */
  readonly channel: string;
  readonly limits: ChannelLimits;
  send(conversation: ConversationRef, message: OutboundMessage, options: SendOptions): Promise<SendReceipt>;
}

/**
 * WhatsApp Cloud API limits, as the channel lint checks them (`botpe validate --channel whatsapp`)
 * and the WhatsApp adapter's transport applies them. The interactive body limit is 1024: Meta's
 * list page says 4096, but every SDK enforces 1024.
 */
export const whatsappChannelLimits: ChannelLimits = Object.freeze({
  maxButtons: 3,
  maxButtonTitle: 20,
  maxListRows: 10,
  maxListSections: 10,
  maxRowTitle: 24,
  maxRowDescription: 72,
  maxSectionTitle: 24,
  maxListButtonLabel: 20,
  maxInteractiveBody: 1024,
  maxText: 4096,
  maxHeader: 60,
  maxFooter: 60,
  maxCaption: 1024,
});
