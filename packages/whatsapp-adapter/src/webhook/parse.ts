import type { ConversationRef, InboundEvent, InboundMessage, MediaKind, SharedContact } from '@botpe/engine';
import { asArray, asNumber, asRecord, asString, type JsonRecord, secondsToMillis } from './json.js';

/** An error object as Meta puts it in webhooks (`statuses[].errors`, `messages[].errors`, `value.errors`). */
export interface WebhookError {
  code: number | null;
  title?: string;
  message?: string;
  details?: string;
}

/** The delivery state of a message the business sent (SPEC §7). */
export type WhatsAppStatus = 'sent' | 'delivered' | 'read' | 'played' | 'failed';

/** One `statuses[]` entry: what happened to a message the business sent. */
export interface StatusEvent {
  /** The conversation the sent message belongs to (`userId` is the recipient). */
  conversation: ConversationRef;
  /** The `wamid` the send call returned. */
  providerMessageId: string;
  status: WhatsAppStatus;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Present on `failed` (and empty otherwise). */
  errors: WebhookError[];
  /** Echo of the `biz_opaque_callback_data` sent with the message (the transport puts its idempotency key there). */
  callbackData?: string;
  /** Pricing category, when Meta sends one (`service`, `marketing`, …). */
  pricingCategory?: string;
}

/** Something in the POST that is neither a user message nor a status, and why it was set aside. */
export interface IgnoredItem {
  reason:
    | 'not_whatsapp'
    | 'malformed'
    | 'unknown_field'
    | 'value_errors'
    | 'missing_metadata'
    | 'missing_id'
    | 'missing_sender'
    | 'missing_timestamp'
    | 'system_message'
    | 'revoke'
    | 'unknown_status';
  /** Where in the payload, e.g. `entry[0].changes[1].value.messages[2]`. */
  path: string;
  /** The change's `field` (`messages`, `account_update`, …) when known. */
  field?: string;
  messageId?: string;
  errors?: WebhookError[];
  /** Facts about the item worth keeping (a system message's type and new id, an unknown status). */
  detail?: Record<string, unknown>;
}

/** What `parseWebhook` returns: every user message, status and set-aside item of one POST. */
export interface ParsedWebhook {
  events: InboundEvent[];
  statuses: StatusEvent[];
  ignored: IgnoredItem[];
}

export interface ParseWebhookOptions {
  /**
   * Used as the timestamp of a message that carries none (Meta always sends one; a hand-built
   * payload may not). Without it such a message is ignored with `missing_timestamp`.
   */
  receivedAt?: number;
}

const MEDIA_KINDS: readonly MediaKind[] = ['image', 'video', 'audio', 'document', 'sticker'];
const STATUSES: readonly WhatsAppStatus[] = ['sent', 'delivered', 'read', 'played', 'failed'];
// Payload keys that name a type when a message lacks `type` (SPEC §5: infer, else unsupported).
const TYPE_KEYS = [
  'text',
  ...MEDIA_KINDS,
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'system',
  'revoke',
  'edit',
] as const;

type MessageBody = InboundMessage extends infer M
  ? M extends InboundMessage
    ? Omit<M, 'id' | 'timestamp' | 'replyTo' | 'metadata'>
    : never
  : never;

type Classified =
  | { kind: 'message'; body: MessageBody; extra?: JsonRecord }
  | { kind: 'ignored'; item: Omit<IgnoredItem, 'path'> };

function parseErrors(value: unknown): WebhookError[] {
  return asArray(value).flatMap((raw) => {
    const error = asRecord(raw);
    if (!error) return [];
    const parsed: WebhookError = { code: asNumber(error.code) ?? null };
    const title = asString(error.title);
    const message = asString(error.message);
    const details = asString(asRecord(error.error_data)?.details) ?? asString(error.details);
    if (title) parsed.title = title;
    if (message) parsed.message = message;
    if (details) parsed.details = details;
    return [parsed];
  });
}

function unsupported(reason: string, extra?: JsonRecord): Classified {
  return { kind: 'message', body: { type: 'unsupported', reason }, ...(extra ? { extra } : {}) };
}

function parseSharedContacts(value: unknown): SharedContact[] {
  return asArray(value).flatMap((raw) => {
    const card = asRecord(raw);
    if (!card) return [];
    const name = asRecord(card.name);
    const contact: SharedContact = {
      phones: asArray(card.phones).flatMap((rawPhone) => {
        const phone = asRecord(rawPhone);
        const number = asString(phone?.phone) ?? asString(phone?.wa_id);
        if (!phone || !number) return [];
        const entry: SharedContact['phones'][number] = { phone: number };
        const waId = asString(phone.wa_id);
        const type = asString(phone.type);
        if (waId) entry.waId = waId;
        if (type) entry.type = type;
        return [entry];
      }),
    };
    const formatted =
      asString(name?.formatted_name) ??
      ([asString(name?.first_name), asString(name?.last_name)].filter(Boolean).join(' ') || undefined);
    if (formatted) contact.name = formatted;
    const emails = asArray(card.emails).flatMap((rawEmail) => {
      const email = asString(asRecord(rawEmail)?.email);
      return email ? [email] : [];
    });
    if (emails.length > 0) contact.emails = emails;
    return [contact];
  });
}

function parseInteractive(interactive: JsonRecord | undefined): Classified {
  const subtype = asString(interactive?.type);
  const buttonReply = asRecord(interactive?.button_reply);
  const listReply = asRecord(interactive?.list_reply);
  if (subtype === 'button_reply' || (!subtype && buttonReply)) {
    const id = asString(buttonReply?.id);
    if (!id) return unsupported('interactive:button_reply:malformed');
    return {
      kind: 'message',
      body: { type: 'button', buttonId: id, text: asString(buttonReply?.title) ?? id },
    };
  }
  if (subtype === 'list_reply' || (!subtype && listReply)) {
    const id = asString(listReply?.id);
    if (!id) return unsupported('interactive:list_reply:malformed');
    const description = asString(listReply?.description);
    return {
      kind: 'message',
      body: { type: 'list', rowId: id, text: asString(listReply?.title) ?? id },
      ...(description ? { extra: { rowDescription: description } } : {}),
    };
  }
  if (subtype === 'nfm_reply') {
    // A WhatsApp Flow or address-message completion: `response_json` is a JSON string.
    const reply = asRecord(interactive?.nfm_reply);
    const responseText = asString(reply?.response_json);
    let response: unknown = responseText;
    if (responseText !== undefined) {
      try {
        response = JSON.parse(responseText);
      } catch {
        response = responseText;
      }
    }
    const flowToken = asString(asRecord(response)?.flow_token);
    return unsupported('nfm_reply', {
      nfmReply: {
        name: asString(reply?.name) ?? null,
        body: asString(reply?.body) ?? null,
        response: response ?? null,
        ...(flowToken ? { flowToken } : {}),
      },
    });
  }
  return unsupported(`interactive:${subtype ?? 'missing'}`);
}

function classify(message: JsonRecord, type: string | undefined): Classified {
  const payload = type ? asRecord(message[type]) : undefined;
  switch (type) {
    case 'text': {
      const text = typeof payload?.body === 'string' ? payload.body : undefined;
      return text === undefined
        ? unsupported('text:malformed')
        : { kind: 'message', body: { type: 'text', text } };
    }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const mediaId = asString(payload?.id);
      if (!payload || !mediaId) return unsupported(`${type}:malformed`);
      const body: MessageBody = {
        type: 'media',
        kind: type,
        mediaId,
        mimeType: asString(payload.mime_type) ?? 'application/octet-stream',
      };
      const caption = asString(payload.caption);
      const filename = asString(payload.filename);
      if (caption) body.caption = caption;
      if (filename) body.filename = filename;
      const extra: JsonRecord = {};
      for (const key of ['sha256', 'url', 'voice', 'animated'] as const) {
        if (payload[key] !== undefined) extra[key] = payload[key];
      }
      return { kind: 'message', body, extra };
    }
    case 'location': {
      const latitude = asNumber(payload?.latitude);
      const longitude = asNumber(payload?.longitude);
      if (latitude === undefined || longitude === undefined) return unsupported('location:malformed');
      const body: MessageBody = { type: 'location', latitude, longitude };
      const name = asString(payload?.name);
      const address = asString(payload?.address);
      if (name) body.name = name;
      if (address) body.address = address;
      const url = asString(payload?.url);
      return { kind: 'message', body, ...(url ? { extra: { url } } : {}) };
    }
    case 'contacts':
      return { kind: 'message', body: { type: 'contacts', contacts: parseSharedContacts(message.contacts) } };
    case 'interactive':
      return parseInteractive(payload);
    case 'button': {
      // A template quick-reply: `payload` is the id the template send set (or the button text).
      const text = asString(payload?.text);
      const id = asString(payload?.payload) ?? text;
      if (!id) return unsupported('button:malformed');
      return {
        kind: 'message',
        body: { type: 'button', buttonId: id, text: text ?? id },
        extra: { templateQuickReply: true },
      };
    }
    case 'reaction': {
      const messageId = asString(payload?.message_id);
      if (!messageId) return unsupported('reaction:malformed');
      const emoji = asString(payload?.emoji);
      // No emoji (or "") means the user removed their reaction.
      return {
        kind: 'message',
        body: emoji ? { type: 'reaction', messageId, emoji } : { type: 'reaction', messageId },
      };
    }
    case 'order':
      return unsupported('order', {
        order: {
          catalogId: asString(payload?.catalog_id) ?? null,
          text: asString(payload?.text) ?? null,
          items: asArray(payload?.product_items).flatMap((raw) => {
            const item = asRecord(raw);
            if (!item) return [];
            return [
              {
                productRetailerId: asString(item.product_retailer_id) ?? null,
                quantity: asNumber(item.quantity) ?? null,
                itemPrice: asNumber(item.item_price) ?? null,
                currency: asString(item.currency) ?? null,
              },
            ];
          }),
        },
      });
    case 'system':
      // A number or id change: re-keys the user, never a reply the flow should see.
      return {
        kind: 'ignored',
        item: {
          reason: 'system_message',
          detail: {
            systemType: asString(payload?.type) ?? null,
            body: asString(payload?.body) ?? null,
            newWaId: asString(payload?.wa_id) ?? null,
            newUserId: asString(payload?.user_id) ?? null,
          },
        },
      };
    case 'revoke':
      return {
        kind: 'ignored',
        item: {
          reason: 'revoke',
          detail: { originalMessageId: asString(payload?.original_message_id) ?? null },
        },
      };
    case 'edit':
      return unsupported('edit', { originalMessageId: asString(payload?.original_message_id) ?? null });
    case 'request_welcome':
      return unsupported('request_welcome');
    case 'unsupported':
    case 'unknown': {
      const originalType = asString(asRecord(message.unsupported)?.type);
      return unsupported(originalType ? `unsupported:${originalType}` : type, {
        errors: parseErrors(message.errors),
      });
    }
    default:
      return unsupported(type ? `unknown_type:${type}` : 'missing_type', {
        errors: parseErrors(message.errors),
      });
  }
}

function inferType(message: JsonRecord): string | undefined {
  const declared = asString(message.type);
  if (declared) return declared;
  return TYPE_KEYS.find((key) => message[key] !== undefined);
}

/** Picks the `contacts[]` entry of the sender by id, not by position (SPEC §5). */
function findContact(contacts: JsonRecord[], from?: string, fromUserId?: string): JsonRecord | undefined {
  const byId = contacts.find(
    (contact) => (from && contact.wa_id === from) || (fromUserId && contact.user_id === fromUserId),
  );
  if (byId) return byId;
  return !from && !fromUserId && contacts.length === 1 ? contacts[0] : undefined;
}

function parseMessage(
  raw: unknown,
  path: string,
  scope: { botId: string; wabaId: string | undefined; contacts: JsonRecord[] },
  options: ParseWebhookOptions,
  out: ParsedWebhook,
): void {
  const message = asRecord(raw);
  if (!message) {
    out.ignored.push({ reason: 'malformed', path, field: 'messages' });
    return;
  }
  const id = asString(message.id);
  if (!id) {
    out.ignored.push({ reason: 'missing_id', path, field: 'messages' });
    return;
  }
  const from = asString(message.from);
  const fromUserId = asString(message.from_user_id);
  const { botId, wabaId, contacts } = scope;
  const contact = findContact(contacts, from, fromUserId);
  // Username users may hide their number: fall back to the business-scoped user id (SPEC §5).
  const userId = from ?? fromUserId ?? asString(contact?.wa_id) ?? asString(contact?.user_id);
  const timestamp = secondsToMillis(message.timestamp) ?? options.receivedAt;
  const type = inferType(message);
  const classified = classify(message, type);
  if (classified.kind === 'ignored') {
    out.ignored.push({ ...classified.item, path, field: 'messages', messageId: id });
    return;
  }
  if (!userId) {
    out.ignored.push({ reason: 'missing_sender', path, field: 'messages', messageId: id });
    return;
  }
  if (timestamp === undefined) {
    out.ignored.push({ reason: 'missing_timestamp', path, field: 'messages', messageId: id });
    return;
  }
  const metadata: JsonRecord = { ...classified.extra };
  if (type && type !== classified.body.type) metadata.whatsappType = type;
  const context = asRecord(message.context);
  if (context?.forwarded === true) metadata.forwarded = true;
  if (context?.frequently_forwarded === true) metadata.frequentlyForwarded = true;
  if (asRecord(context?.referred_product)) metadata.referredProduct = context?.referred_product;
  if (asRecord(message.referral)) metadata.referral = message.referral;
  if (fromUserId) metadata.userId = fromUserId;
  if (!from && userId) metadata.phoneHidden = true;
  const username = asString(asRecord(contact?.profile)?.username);
  if (username) metadata.username = username;
  if (wabaId) metadata.wabaId = wabaId;

  const inbound = { ...classified.body, id, timestamp } as InboundMessage;
  const replyTo = asString(context?.id);
  if (replyTo) inbound.replyTo = replyTo;
  inbound.metadata = metadata;
  const event: InboundEvent = { conversation: { channel: 'whatsapp', botId, userId }, message: inbound };
  const name = asString(asRecord(contact?.profile)?.name);
  if (name) event.contact = { name };
  out.events.push(event);
}

function parseStatus(raw: unknown, path: string, botId: string, out: ParsedWebhook): void {
  const status = asRecord(raw);
  const id = asString(status?.id);
  if (!status || !id) {
    out.ignored.push({ reason: status ? 'missing_id' : 'malformed', path, field: 'messages' });
    return;
  }
  const state = asString(status.status);
  if (!state || !(STATUSES as readonly string[]).includes(state)) {
    out.ignored.push({
      reason: 'unknown_status',
      path,
      field: 'messages',
      messageId: id,
      detail: { status: state ?? null },
    });
    return;
  }
  const userId = asString(status.recipient_id) ?? asString(status.recipient_user_id);
  if (!userId) {
    out.ignored.push({ reason: 'missing_sender', path, field: 'messages', messageId: id });
    return;
  }
  const timestamp = secondsToMillis(status.timestamp);
  if (timestamp === undefined) {
    out.ignored.push({ reason: 'missing_timestamp', path, field: 'messages', messageId: id });
    return;
  }
  const event: StatusEvent = {
    conversation: { channel: 'whatsapp', botId, userId },
    providerMessageId: id,
    status: state as WhatsAppStatus,
    timestamp,
    errors: parseErrors(status.errors),
  };
  const callbackData = asString(status.biz_opaque_callback_data);
  const pricingCategory = asString(asRecord(status.pricing)?.category);
  if (callbackData) event.callbackData = callbackData;
  if (pricingCategory) event.pricingCategory = pricingCategory;
  out.statuses.push(event);
}

/**
 * Turns a WhatsApp webhook POST body (already `JSON.parse`d) into channel-neutral events.
 * Every entry, change, message and status is visited; anything it cannot use is listed in
 * `ignored` with a reason, and message types it does not know become `unsupported` events.
 * It never throws, whatever the shape of the JSON. Timestamps are converted to milliseconds.
 *
 * @example
 * import { parseWebhook } from '@botpe/whatsapp-adapter';
 * const { events, statuses, ignored } = parseWebhook(JSON.parse(rawBody));
 * for (const event of events) await engine.handle(event);
 */
export function parseWebhook(body: unknown, options: ParseWebhookOptions = {}): ParsedWebhook {
  const out: ParsedWebhook = { events: [], statuses: [], ignored: [] };
  const root = asRecord(body);
  if (!root) {
    out.ignored.push({ reason: 'malformed', path: '' });
    return out;
  }
  if (root.object !== undefined && root.object !== 'whatsapp_business_account') {
    out.ignored.push({ reason: 'not_whatsapp', path: 'object', detail: { object: String(root.object) } });
    return out;
  }
  asArray(root.entry).forEach((rawEntry, entryIndex) => {
    const entry = asRecord(rawEntry);
    const entryPath = `entry[${entryIndex}]`;
    if (!entry) {
      out.ignored.push({ reason: 'malformed', path: entryPath });
      return;
    }
    const wabaId = asString(entry.id);
    asArray(entry.changes).forEach((rawChange, changeIndex) => {
      const change = asRecord(rawChange);
      const changePath = `${entryPath}.changes[${changeIndex}]`;
      const field = asString(change?.field);
      const value = asRecord(change?.value);
      if (!change || !value) {
        out.ignored.push({ reason: 'malformed', path: changePath, ...(field ? { field } : {}) });
        return;
      }
      if (field !== 'messages') {
        // Account, template and echo updates are not chat input (SPEC §4).
        out.ignored.push({ reason: 'unknown_field', path: changePath, field: field ?? 'missing' });
        return;
      }
      const valuePath = `${changePath}.value`;
      const botId = asString(asRecord(value.metadata)?.phone_number_id);
      const errors = parseErrors(value.errors);
      if (errors.length > 0)
        out.ignored.push({ reason: 'value_errors', path: `${valuePath}.errors`, field, errors });
      const messages = asArray(value.messages);
      const statuses = asArray(value.statuses);
      if (!botId) {
        if (messages.length + statuses.length > 0)
          out.ignored.push({ reason: 'missing_metadata', path: valuePath, field });
        return;
      }
      const contacts = asArray(value.contacts).flatMap((contact): JsonRecord[] => {
        const record = asRecord(contact);
        return record ? [record] : [];
      });
      const scope = { botId, wabaId, contacts };
      messages.forEach((message, index) => {
        parseMessage(message, `${valuePath}.messages[${index}]`, scope, options, out);
      });
      statuses.forEach((status, index) => {
        parseStatus(status, `${valuePath}.statuses[${index}]`, botId, out);
      });
    });
  });
  return out;
}
