import type { MediaKind } from '@botpe/engine';

/** A header of a reply-button or CTA message: text, or media by id or link. */
export type InteractiveHeader =
  | string
  | { type: 'image' | 'video' | 'document'; id?: string; link?: string; filename?: string };

/** Every message the client can send, in WhatsApp's own terms (SPEC §9.3–9.5). */
export type WhatsAppMessage =
  | { type: 'text'; text: string; previewUrl?: boolean }
  | { type: MediaKind; id?: string; link?: string; caption?: string; filename?: string; voice?: boolean }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { type: 'contacts'; contacts: unknown[] }
  | { type: 'reaction'; messageId: string; emoji: string }
  | {
      type: 'buttons';
      body: string;
      buttons: Array<{ id: string; title: string }>;
      header?: InteractiveHeader;
      footer?: string;
    }
  | {
      type: 'list';
      body: string;
      buttonLabel: string;
      sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }>;
      header?: string;
      footer?: string;
    }
  | {
      type: 'cta_url';
      body: string;
      displayText: string;
      url: string;
      header?: InteractiveHeader;
      footer?: string;
    }
  | { type: 'location_request'; body: string }
  | { type: 'template'; name: string; language: string; components?: unknown[] };

export interface GraphEnvelopeOptions {
  /** The wamid to quote (a contextual reply). */
  replyTo?: string;
  /** Echoed back in status webhooks as `callbackData` (≤ 512 characters). */
  callbackData?: string;
}

type Json = Record<string, unknown>;

function header(value: InteractiveHeader | undefined): Json | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { type: 'text', text: value };
  const media: Json = value.id !== undefined ? { id: value.id } : { link: value.link };
  if (value.filename !== undefined && value.type === 'document') media.filename = value.filename;
  return { type: value.type, [value.type]: media };
}

function interactive(
  kind: string,
  body: string,
  action: Json,
  extras: { header?: Json; footer?: string },
): Json {
  const object: Json = { type: kind };
  if (extras.header) object.header = extras.header;
  object.body = { text: body };
  if (extras.footer !== undefined) object.footer = { text: extras.footer };
  object.action = action;
  return object;
}

function payload(message: WhatsAppMessage): { type: string; value: unknown } {
  switch (message.type) {
    case 'text':
      return {
        type: 'text',
        value: { body: message.text, ...(message.previewUrl ? { preview_url: true } : {}) },
      };
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const media: Json = message.id !== undefined ? { id: message.id } : { link: message.link };
      if (message.caption !== undefined) media.caption = message.caption;
      if (message.filename !== undefined && message.type === 'document') media.filename = message.filename;
      if (message.voice && message.type === 'audio') media.voice = true;
      return { type: message.type, value: media };
    }
    case 'location': {
      const { latitude, longitude, name, address } = message;
      return {
        type: 'location',
        value: { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) },
      };
    }
    case 'contacts':
      return { type: 'contacts', value: message.contacts };
    case 'reaction':
      return { type: 'reaction', value: { message_id: message.messageId, emoji: message.emoji } };
    case 'buttons':
      return {
        type: 'interactive',
        value: interactive(
          'button',
          message.body,
          { buttons: message.buttons.map(({ id, title }) => ({ type: 'reply', reply: { id, title } })) },
          { header: header(message.header), footer: message.footer },
        ),
      };
    case 'list':
      return {
        type: 'interactive',
        value: interactive(
          'list',
          message.body,
          {
            button: message.buttonLabel,
            sections: message.sections.map((section) => ({
              ...(section.title !== undefined ? { title: section.title } : {}),
              rows: section.rows.map(({ id, title, description }) => ({
                id,
                title,
                ...(description ? { description } : {}),
              })),
            })),
          },
          { header: header(message.header), footer: message.footer },
        ),
      };
    case 'cta_url':
      return {
        type: 'interactive',
        value: interactive(
          'cta_url',
          message.body,
          { name: 'cta_url', parameters: { display_text: message.displayText, url: message.url } },
          { header: header(message.header), footer: message.footer },
        ),
      };
    case 'location_request':
      return {
        type: 'interactive',
        value: interactive('location_request_message', message.body, { name: 'send_location' }, {}),
      };
    case 'template':
      return {
        type: 'template',
        value: {
          name: message.name,
          language: { code: message.language },
          ...(message.components ? { components: message.components } : {}),
        },
      };
  }
}

/**
 * A phone number with a leading `+` (without it Meta prepends the business number's country code,
 * SPEC §9.1); anything else, such as a business-scoped user id, goes in `recipient`.
 */
function recipientFields(to: string): Json {
  const digits = to.replace(/[\s()-]/g, '');
  if (/^\+?\d{5,20}$/.test(digits)) return { to: digits.startsWith('+') ? digits : `+${digits}` };
  return { recipient: to };
}

/**
 * Builds the Graph `POST /{phone-number-id}/messages` body for a message.
 *
 * @example
 * toGraphBody('15550001111', { type: 'text', text: 'Hello' });
 * // → { messaging_product: 'whatsapp', recipient_type: 'individual', to: '+15550001111', type: 'text', text: { body: 'Hello' } }
 */
export function toGraphBody(to: string, message: WhatsAppMessage, options: GraphEnvelopeOptions = {}): Json {
  const { type, value } = payload(message);
  const body: Json = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...recipientFields(to),
    type,
    [type]: value,
  };
  if (options.replyTo) body.context = { message_id: options.replyTo };
  if (options.callbackData) body.biz_opaque_callback_data = options.callbackData;
  return body;
}
