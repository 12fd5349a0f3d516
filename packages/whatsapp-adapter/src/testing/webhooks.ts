import { randomUUID } from 'node:crypto';
import { signWebhookBody } from '../signature.js';

/** A user message, in the terms a test thinks in; `raw` passes any wire object through. */
export type InboundSpecMessage =
  | { type: 'text'; text: string }
  | { type: 'button_reply'; id: string; title: string }
  | { type: 'list_reply'; id: string; title: string; description?: string }
  | { type: 'template_button'; payload: string; text: string }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | {
      type: 'image' | 'video' | 'audio' | 'document' | 'sticker';
      mediaId: string;
      mimeType: string;
      caption?: string;
      filename?: string;
    }
  | { type: 'reaction'; messageId: string; emoji?: string }
  | { type: 'raw'; message: Record<string, unknown> };

export interface InboundSpec {
  /** The user's WhatsApp id (digits), e.g. a fake `15550001111`. */
  from: string;
  /** The profile name in `contacts[]`. */
  name?: string;
  /** Default: a fresh `wamid.TEST…` id. */
  id?: string;
  /** Milliseconds since the epoch (written as Meta does: a string of seconds). Default 1 700 000 000 000. */
  timestamp?: number;
  /** The wamid this message replies to (`context.id`). */
  replyTo?: string;
  message: InboundSpecMessage;
}

export interface WebhookEnvelope {
  /** The business phone number id (`metadata.phone_number_id`). */
  phoneNumberId: string;
  wabaId?: string;
  displayPhoneNumber?: string;
}

let sequence = 0;
// Unique per process, so ids from two test runs against one store never collide.
const runId = randomUUID().slice(0, 8).toUpperCase();

/**
 * A unique wamid-looking id for test messages.
 *
 * @example
 * nextTestMessageId(); // → 'wamid.TEST1A2B3C4D000001'
 */
export function nextTestMessageId(prefix = 'TEST'): string {
  sequence += 1;
  return `wamid.${prefix}${runId}${sequence.toString(36).padStart(6, '0')}`;
}

function wireMessage(spec: InboundSpecMessage): Record<string, unknown> {
  switch (spec.type) {
    case 'text':
      return { type: 'text', text: { body: spec.text } };
    case 'button_reply':
      return {
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id: spec.id, title: spec.title } },
      };
    case 'list_reply':
      return {
        type: 'interactive',
        interactive: {
          type: 'list_reply',
          list_reply: {
            id: spec.id,
            title: spec.title,
            ...(spec.description ? { description: spec.description } : {}),
          },
        },
      };
    case 'template_button':
      return { type: 'button', button: { payload: spec.payload, text: spec.text } };
    case 'location': {
      const { type, ...location } = spec;
      return { type, location };
    }
    case 'reaction':
      return {
        type: 'reaction',
        reaction: { message_id: spec.messageId, ...(spec.emoji !== undefined ? { emoji: spec.emoji } : {}) },
      };
    case 'raw':
      return spec.message;
    default: {
      const media: Record<string, unknown> = {
        id: spec.mediaId,
        mime_type: spec.mimeType,
        sha256: 'dGVzdA==',
      };
      if (spec.caption) media.caption = spec.caption;
      if (spec.filename) media.filename = spec.filename;
      return { type: spec.type, [spec.type]: media };
    }
  }
}

function envelope(target: WebhookEnvelope, value: Record<string, unknown>): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: target.wabaId ?? '100000000000001',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: target.displayPhoneNumber ?? '15550000000',
                phone_number_id: target.phoneNumberId,
              },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

/**
 * Builds a webhook POST body as Meta sends it for one or more user messages.
 *
 * @example
 * import { buildInboundWebhook, signWebhook } from '@botpe/whatsapp-adapter/testing';
 * const payload = buildInboundWebhook({ phoneNumberId: '100000000000002' }, [{ from: '15550001111', message: { type: 'text', text: 'hi' } }]);
 * const { body, headers } = signWebhook(payload, 'test-app-secret');
 */
export function buildInboundWebhook(
  target: WebhookEnvelope,
  messages: InboundSpec[],
): Record<string, unknown> {
  const contacts = new Map<string, Record<string, unknown>>();
  for (const spec of messages) {
    if (!contacts.has(spec.from))
      contacts.set(spec.from, { profile: { name: spec.name ?? 'Test User' }, wa_id: spec.from });
  }
  return envelope(target, {
    contacts: [...contacts.values()],
    messages: messages.map((spec) => ({
      ...(spec.replyTo
        ? { context: { from: target.displayPhoneNumber ?? '15550000000', id: spec.replyTo } }
        : {}),
      from: spec.from,
      id: spec.id ?? nextTestMessageId(),
      timestamp: String(Math.floor((spec.timestamp ?? 1_700_000_000_000) / 1000)),
      ...wireMessage(spec.message),
    })),
  });
}

export interface StatusSpec {
  /** The wamid of the message the business sent. */
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'played' | 'failed';
  recipientId: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  errors?: Array<{ code: number; title: string; details?: string }>;
  callbackData?: string;
}

/**
 * Builds a status webhook body (sent, delivered, read, failed) as Meta v24+ sends it.
 *
 * @example
 * buildStatusWebhook({ phoneNumberId: '100000000000002' }, [{ id: 'wamid.X', status: 'read', recipientId: '15550001111', timestamp: 1_700_000_000_000 }]);
 */
export function buildStatusWebhook(target: WebhookEnvelope, statuses: StatusSpec[]): Record<string, unknown> {
  return envelope(target, {
    statuses: statuses.map((status) => ({
      id: status.id,
      status: status.status,
      timestamp: String(Math.floor(status.timestamp / 1000)),
      recipient_id: status.recipientId,
      ...(status.callbackData ? { biz_opaque_callback_data: status.callbackData } : {}),
      ...(status.errors
        ? {
            errors: status.errors.map((error) => ({
              code: error.code,
              title: error.title,
              message: error.title,
              error_data: { details: error.details ?? error.title },
            })),
          }
        : {}),
    })),
  });
}

/**
 * Serialises a payload the way Meta does (non-ASCII as `\uXXXX`) and signs it with the app secret.
 *
 * @example
 * const { body, headers } = signWebhook(payload, 'test-app-secret');
 * await fetch(webhookUrl, { method: 'POST', body, headers });
 */
export function signWebhook(
  payload: unknown,
  appSecret: string,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload).replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, appSecret) },
  };
}
