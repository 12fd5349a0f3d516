import type { ListRow, ListSection, OutboundMessage } from '@botpe/engine';
import type { WhatsAppMessage } from '../client/messages.js';
import { whatsappLimits } from '../limits.js';

export interface FallbackOptions {
  /** The list button label used when more than 3 buttons become a list. Default `Choose`. */
  listButtonLabel: string;
  /** Ask WhatsApp to preview the first URL of a text. Default false. */
  previewUrls: boolean;
}

const ELLIPSIS = '…';

/** Cuts `max` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  let end = Math.max(0, max);
  const code = text.charCodeAt(end - 1);
  if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/**
 * Shortens a text to `max` characters, ending it with an ellipsis when it was cut.
 *
 * @example
 * truncate('Extra large pizza', 10); // → 'Extra lar…'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return cut(text, max - ELLIPSIS.length).trimEnd() + ELLIPSIS;
}

/**
 * Splits a text into parts of at most `max` characters, at the last whitespace of each part when
 * there is one (a word longer than `max` is cut). Joining the parts with single spaces gives the
 * text back, up to the whitespace at the cuts.
 *
 * @example
 * splitText('one two three', 8); // → ['one two', 'three']
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = cut(rest, max);
    const breakAt = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n'), window.lastIndexOf('\t'));
    const head = breakAt > 0 ? window.slice(0, breakAt) : window;
    parts.push(head.trimEnd());
    rest = rest.slice(head.length).trimStart();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

/** An interactive body over the limit: the leading parts go out as text first, the last part stays the body. */
function bodyParts(text: string): { before: WhatsAppMessage[]; body: string } {
  const parts = splitText(text, whatsappLimits.maxInteractiveBody);
  const body = parts.pop() ?? '';
  return { before: parts.map((part) => ({ type: 'text', text: part })), body };
}

function optional(value: string | undefined, max: number): string | undefined {
  return value === undefined || value === '' ? undefined : truncate(value, max);
}

function lists(
  text: string,
  buttonLabel: string,
  sections: ListSection[],
  header: string | undefined,
  footer: string | undefined,
): WhatsAppMessage[] {
  // Ten rows in total per list message: more become several list messages (pages).
  const rows: Array<{ section: number; row: ListRow }> = sections.flatMap((section, index) =>
    section.rows.map((row) => ({ section: index, row })),
  );
  const pageSize = whatsappLimits.maxListRows;
  const pageCount = Math.max(1, Math.ceil(rows.length / pageSize));
  const { before, body } = bodyParts(text);
  const label = truncate(buttonLabel, whatsappLimits.maxListButtonLabel);
  const messages: WhatsAppMessage[] = [...before];
  for (let page = 0; page < pageCount; page++) {
    const pageRows = rows.slice(page * pageSize, (page + 1) * pageSize);
    // Rows keep their section: consecutive rows of one section share a section on the page.
    const pageSections: Array<{ index: number; rows: ListRow[] }> = [];
    for (const { section, row } of pageRows) {
      const entry = {
        id: row.id,
        title: truncate(row.title, whatsappLimits.maxRowTitle),
        ...descriptionOf(row),
      };
      const last = pageSections.at(-1);
      if (last && last.index === section) last.rows.push(entry);
      else pageSections.push({ index: section, rows: [entry] });
    }
    const many = pageSections.length > 1;
    const suffix = pageCount > 1 ? ` (${page + 1}/${pageCount})` : '';
    messages.push({
      type: 'list',
      body: truncate(body, whatsappLimits.maxInteractiveBody - suffix.length) + suffix,
      buttonLabel: label,
      sections: pageSections.map(({ index, rows: sectionRows }) => {
        // A title is required once a message has several sections: default to the button label.
        const title = sections[index]?.title || (many ? buttonLabel : undefined);
        return {
          ...(title ? { title: truncate(title, whatsappLimits.maxSectionTitle) } : {}),
          rows: sectionRows,
        };
      }),
      ...(header ? { header: truncate(header, whatsappLimits.maxHeader) } : {}),
      ...(footer ? { footer: truncate(footer, whatsappLimits.maxFooter) } : {}),
    });
  }
  return messages;
}

function descriptionOf(row: ListRow): { description?: string } {
  const description = optional(row.description, whatsappLimits.maxRowDescription);
  return description ? { description } : {};
}

/**
 * Maps one channel-neutral message to the WhatsApp messages that carry it, applying WhatsApp's
 * documented fallbacks: a text over 4096 characters is split at word boundaries; an interactive
 * body over 1024 sends its leading part as text first; more than 3 buttons become a list; more
 * than 10 list rows become several list messages; over-long titles, labels, headers, footers,
 * row descriptions and captions are cut with an ellipsis. Ids are never changed.
 *
 * @example
 * toWhatsAppMessages({ type: 'buttons', text: 'Size?', buttons: [a, b, c, d] }, options);
 * // → [{ type: 'list', body: 'Size?', buttonLabel: 'Choose', sections: [{ rows: [a, b, c, d] }] }]
 */
export function toWhatsAppMessages(message: OutboundMessage, options: FallbackOptions): WhatsAppMessage[] {
  switch (message.type) {
    case 'text':
      return splitText(message.text, whatsappLimits.maxText).map((text) => ({
        type: 'text',
        text,
        ...(options.previewUrls && /https?:\/\//i.test(text) ? { previewUrl: true } : {}),
      }));
    case 'media': {
      const source = message.id !== undefined ? { id: message.id } : { link: message.url };
      const captioned = message.kind === 'image' || message.kind === 'video' || message.kind === 'document';
      const media: WhatsAppMessage = {
        type: message.kind,
        ...source,
        ...(captioned && message.caption
          ? { caption: truncate(message.caption, whatsappLimits.maxCaption) }
          : {}),
        ...(message.kind === 'document' && message.filename ? { filename: message.filename } : {}),
      };
      // Audio and stickers take no caption: it follows as a text.
      const after: WhatsAppMessage[] =
        !captioned && message.caption
          ? [{ type: 'text', text: truncate(message.caption, whatsappLimits.maxText) }]
          : [];
      return [media, ...after];
    }
    case 'buttons': {
      if (message.buttons.length > whatsappLimits.maxButtons) {
        const rows = message.buttons.map(({ id, title }) => ({ id, title }));
        return lists(message.text, options.listButtonLabel, [{ rows }], message.header, message.footer);
      }
      const { before, body } = bodyParts(message.text);
      const header = optional(message.header, whatsappLimits.maxHeader);
      const footer = optional(message.footer, whatsappLimits.maxFooter);
      return [
        ...before,
        {
          type: 'buttons',
          body,
          buttons: message.buttons.map(({ id, title }) => ({
            id,
            title: truncate(title, whatsappLimits.maxButtonTitle),
          })),
          ...(header ? { header } : {}),
          ...(footer ? { footer } : {}),
        },
      ];
    }
    case 'list':
      return lists(message.text, message.buttonLabel, message.sections, message.header, message.footer);
    case 'template':
      return [
        {
          type: 'template',
          name: message.name,
          language: message.language,
          ...(message.components ? { components: message.components } : {}),
        },
      ];
    case 'location':
      return [{ ...message }];
    case 'reaction':
      return [{ type: 'reaction', messageId: message.messageId, emoji: message.emoji }];
  }
}
