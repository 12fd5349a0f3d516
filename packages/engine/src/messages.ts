/**
 * Channel-neutral messages. Transports map these to and from their wire format; the engine
 * never sees a WhatsApp (or any other channel's) payload.
 */

/** Who a conversation is with: one user, talking to one bot, on one channel. */
export interface ConversationRef {
  /** The channel, e.g. `"whatsapp"` or `"cli"`. */
  channel: string;
  /** The bot: a business phone number id, or a tenant's bot id. */
  botId: string;
  /** The user on that channel, e.g. a WhatsApp id. */
  userId: string;
}

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** A contact card a user shared. */
export interface SharedContact {
  name?: string;
  phones: Array<{ phone: string; waId?: string; type?: string }>;
  emails?: string[];
}

interface InboundBase {
  /** The provider's message id: the key for duplicate detection. */
  id: string;
  /** When the user sent it, in milliseconds since the epoch. */
  timestamp: number;
  /** The id of the message this one answers or quotes, when the channel says so. */
  replyTo?: string;
  /** Channel extras a host may want (an ad referral, a referred product); the engine ignores them. */
  metadata?: Record<string, unknown>;
}

export type InboundMessage = InboundBase &
  (
    | { type: 'text'; text: string }
    | { type: 'button'; buttonId: string; text: string }
    | { type: 'list'; rowId: string; text: string }
    | {
        type: 'media';
        kind: MediaKind;
        mediaId: string;
        mimeType: string;
        caption?: string;
        filename?: string;
      }
    | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
    | { type: 'contacts'; contacts: SharedContact[] }
    | { type: 'reaction'; messageId: string; emoji?: string }
    | { type: 'unsupported'; reason: string }
  );

/** One inbound user message, as a transport hands it to `engine.handle`. */
export interface InboundEvent {
  conversation: ConversationRef;
  contact?: { name?: string };
  message: InboundMessage;
}

export interface ButtonOption {
  id: string;
  title: string;
}

export interface ListRow {
  id: string;
  title: string;
  description?: string;
}

export interface ListSection {
  title?: string;
  rows: ListRow[];
}

export type OutboundMessage =
  | { type: 'text'; text: string }
  | { type: 'media'; kind: MediaKind; url?: string; id?: string; caption?: string; filename?: string }
  | { type: 'buttons'; text: string; buttons: ButtonOption[]; header?: string; footer?: string }
  | {
      type: 'list';
      text: string;
      buttonLabel: string;
      sections: ListSection[];
      header?: string;
      footer?: string;
    }
  | { type: 'template'; name: string; language: string; components?: unknown[] }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { type: 'reaction'; messageId: string; emoji: string };

/**
 * The stable text of a conversation reference, used as the session key.
 *
 * @example
 * conversationKey({ channel: 'whatsapp', botId: '1555000', userId: '15550001111' }); // 'whatsapp:1555000:15550001111'
 */
export function conversationKey(conversation: ConversationRef): string {
  return `${conversation.channel}:${conversation.botId}:${conversation.userId}`;
}

/**
 * The text a user message carries, as `{{$input}}` sees it.
 *
 * @example
 * inboundText({ id: 'm1', timestamp: 0, type: 'button', buttonId: 'large', text: 'Large' }); // 'Large'
 */
export function inboundText(message: InboundMessage): string {
  switch (message.type) {
    case 'text':
    case 'button':
    case 'list':
      return message.text;
    case 'media':
      return message.caption ?? '';
    case 'location':
      return message.name ?? message.address ?? `${message.latitude},${message.longitude}`;
    case 'reaction':
      return message.emoji ?? '';
    default:
      return '';
  }
}
