import type {
  ChannelLimits,
  Clock,
  ConversationRef,
  OutboundMessage,
  SendOptions,
  SendReceipt,
  Transport,
} from '@botpe/engine';
import { systemClock } from '@botpe/engine';
import { createWhatsAppClient, type WhatsAppClient, type WhatsAppClientOptions } from '../client/client.js';
import { whatsappError } from '../errors.js';
import { graphLimits, whatsappLimits } from '../limits.js';
import { toWhatsAppMessages } from './fallbacks.js';
import { CUSTOMER_SERVICE_WINDOW_MS, ServiceWindowTracker } from './window.js';

export interface WhatsAppTransportOptions {
  /** Where "now" comes from for the 24-hour window. Default: the system clock. */
  clock?: Clock;
  /** The customer service window, default 24 hours. */
  windowMs?: number;
  /**
   * A free-form send to a user this process has not seen a message from (after a restart, or a
   * proactive start): `open` sends it and lets Meta decide (a closed window then fails with
   * `WHATSAPP_WINDOW_CLOSED` from Meta), `closed` refuses it. Default `open`.
   */
  unknownWindow?: 'open' | 'closed';
  /** The list button label used when more than 3 buttons become a list. Default `Choose`. */
  listButtonLabel?: string;
  /** Ask WhatsApp to preview the first URL of a text. Default false. */
  previewUrls?: boolean;
}

/** The engine's Transport for WhatsApp, plus the 24-hour window it tracks. */
export interface WhatsAppTransport extends Transport {
  readonly channel: 'whatsapp';
  readonly clients: readonly WhatsAppClient[];
  /** Records a user message (the webhook handler calls it for every inbound event it hands on). */
  noteInbound(conversation: ConversationRef, timestamp: number): void;
  /** True inside the 24-hour window, false outside, undefined when the user has not been seen. */
  isWindowOpen(conversation: ConversationRef): boolean | undefined;
}

type ClientInput = WhatsAppClient | readonly WhatsAppClient[] | WhatsAppClientOptions;

function isClient(value: unknown): value is WhatsAppClient {
  return typeof value === 'object' && value !== null && typeof (value as WhatsAppClient).send === 'function';
}

/**
 * Creates the engine's `Transport` for WhatsApp from one client (or several, one per business
 * number, picked by `conversation.botId`), or from client options. It maps every
 * `OutboundMessage` to Graph calls with WhatsApp's fallbacks (see `toWhatsAppMessages`), refuses a
 * free-form message outside the 24-hour window before calling Meta (templates always go), and
 * resumes a split message where it stopped when the engine retries the same idempotency key.
 *
 * @example
 * import { createWhatsAppTransport, createWebhookHandler } from '@botpe/whatsapp-adapter';
 * const transport = createWhatsAppTransport({ accessToken: token, phoneNumberId: '106540352242922' });
 * const engine = createEngine({ flows, store, transport });
 * const handler = createWebhookHandler({ appSecret, verifyToken, engine, windowTracker: transport });
 */
export function createWhatsAppTransport(
  input: ClientInput & Partial<WhatsAppTransportOptions>,
  transportOptions: WhatsAppTransportOptions = {},
): WhatsAppTransport {
  let clients: WhatsAppClient[];
  let options: WhatsAppTransportOptions = transportOptions;
  if (Array.isArray(input)) clients = [...(input as readonly WhatsAppClient[])];
  else if (isClient(input)) clients = [input];
  else {
    const clientOptions = input as WhatsAppClientOptions & WhatsAppTransportOptions;
    clients = [createWhatsAppClient(clientOptions)];
    options = { ...clientOptions, ...transportOptions };
  }
  if (clients.length === 0)
    throw whatsappError('WHATSAPP_CONFIG_INVALID', 'createWhatsAppTransport needs at least one client');
  const byBot = new Map(clients.map((client) => [client.phoneNumberId, client]));
  const clock = options.clock ?? systemClock;
  const window = new ServiceWindowTracker(clock, options.windowMs ?? CUSTOMER_SERVICE_WINDOW_MS);
  const unknownWindow = options.unknownWindow ?? 'open';
  const fallback = {
    listButtonLabel: options.listButtonLabel ?? 'Choose',
    previewUrls: options.previewUrls ?? false,
  };
  // Parts already sent per idempotency key, so a retried split message does not repeat them.
  const progress = new Map<string, string[]>();

  const transport: WhatsAppTransport = {
    specVersion: 1,
    channel: 'whatsapp',
    limits: whatsappLimits satisfies ChannelLimits,
    clients,

    noteInbound(conversation, timestamp) {
      window.noteInbound(conversation, timestamp);
    },

    isWindowOpen(conversation) {
      return window.isOpen(conversation);
    },

    async send(
      conversation: ConversationRef,
      message: OutboundMessage,
      sendOptions: SendOptions,
    ): Promise<SendReceipt> {
      if (conversation.channel !== 'whatsapp') {
        throw whatsappError(
          'WHATSAPP_UNKNOWN_BOT',
          `the WhatsApp transport cannot send on channel "${conversation.channel}"`,
        );
      }
      const client = byBot.get(conversation.botId);
      if (!client) {
        throw whatsappError(
          'WHATSAPP_UNKNOWN_BOT',
          `no WhatsApp client for business number ${conversation.botId}`,
          {
            details: { botId: conversation.botId },
          },
        );
      }
      if (message.type !== 'template') {
        const open = window.isOpen(conversation);
        if (open === false || (open === undefined && unknownWindow === 'closed')) {
          throw whatsappError(
            'WHATSAPP_WINDOW_CLOSED',
            `a free-form ${message.type} message cannot be sent more than 24 hours after the user's last message; send a template`,
            {
              retryable: false,
              details: {
                botId: conversation.botId,
                lastInboundAt: window.lastInboundAt(conversation) ?? null,
              },
            },
          );
        }
      }
      const parts = toWhatsAppMessages(message, fallback);
      const key = sendOptions.idempotencyKey;
      const sent = progress.get(key) ?? [];
      const callbackData = key.length <= graphLimits.maxBizOpaqueCallbackData ? key : undefined;
      try {
        for (let index = sent.length; index < parts.length; index++) {
          const result = await client.send(conversation.userId, parts[index]!, {
            ...(callbackData ? { callbackData } : {}),
            ...(sendOptions.signal ? { signal: sendOptions.signal } : {}),
          });
          sent.push(result.messageId);
          if (index < parts.length - 1) progress.set(key, sent);
        }
      } catch (error) {
        if (progress.size > 10_000) progress.clear();
        throw error;
      } finally {
        if (sent.length === parts.length) progress.delete(key);
      }
      return { providerMessageId: sent.at(-1)! };
    },
  };
  return transport;
}
