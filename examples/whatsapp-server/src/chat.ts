/**
 * Terminal rendering of the Graph API requests the bot makes, and the way back: a typed line (or the
 * number of a choice) becomes the WhatsApp message a user's phone would send.
 */
import type { InboundSpecMessage } from '@botpe/whatsapp-adapter/testing';

/** A button or list row the user can pick by its number. */
export interface Choice {
  kind: 'button_reply' | 'list_reply';
  id: string;
  title: string;
}

type Json = Record<string, unknown>;
const record = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Renders one Graph `/messages` request body as chat lines; buttons and list rows are numbered
 * from `firstNumber` on, and returned as choices.
 *
 * @example
 * renderGraphMessage({ type: 'text', text: { body: 'Hi!' } }, 1); // → { lines: ['Hi!'], choices: [] }
 */
export function renderGraphMessage(body: Json, firstNumber: number): { lines: string[]; choices: Choice[] } {
  const type = text(body.type);
  const payload = record(body[type]);
  const choices: Choice[] = [];
  const lines: string[] = [];
  const numbered = (choice: Choice, detail = '') => {
    choices.push(choice);
    lines.push(`  ${firstNumber + choices.length - 1}. ${choice.title}${detail ? ` — ${detail}` : ''}`);
  };
  switch (type) {
    case 'text':
      lines.push(text(payload.body));
      break;
    case 'interactive': {
      const header = text(record(payload.header).text);
      if (header) lines.push(`*${header}*`);
      lines.push(text(record(payload.body).text));
      const action = record(payload.action);
      if (payload.type === 'button') {
        for (const button of list(action.buttons)) {
          const reply = record(record(button).reply);
          numbered({ kind: 'button_reply', id: text(reply.id), title: text(reply.title) });
        }
      } else if (payload.type === 'list') {
        lines.push(`  [${text(action.button)}]`);
        for (const section of list(action.sections)) {
          const title = text(record(section).title);
          if (title) lines.push(`  ${title}`);
          for (const row of list(record(section).rows)) {
            const fields = record(row);
            numbered(
              { kind: 'list_reply', id: text(fields.id), title: text(fields.title) },
              text(fields.description),
            );
          }
        }
      } else lines.push(`  (${text(payload.type)})`);
      const footer = text(record(payload.footer).text);
      if (footer) lines.push(`_${footer}_`);
      break;
    }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      lines.push(
        `[${type}: ${text(payload.link) || text(payload.id)}]${payload.caption ? ` ${text(payload.caption)}` : ''}`,
      );
      break;
    case 'location':
      lines.push(
        `[location: ${String(payload.latitude)}, ${String(payload.longitude)}${payload.name ? ` ${text(payload.name)}` : ''}]`,
      );
      break;
    case 'template':
      lines.push(`[template ${text(payload.name)} (${text(record(payload.language).code)})]`);
      break;
    default:
      lines.push(`[${type} message]`);
  }
  return { lines, choices };
}

/**
 * Turns what the user typed into a WhatsApp message: a number picks one of the offered choices
 * (a button or list reply, as a phone sends it); anything else is a text.
 *
 * @example
 * inputToMessage('2', [a, b]); // → { type: 'button_reply', id: b.id, title: b.title }
 */
export function inputToMessage(line: string, choices: readonly Choice[]): InboundSpecMessage {
  const trimmed = line.trim();
  const picked = /^\d+$/.test(trimmed) ? choices[Number(trimmed) - 1] : undefined;
  if (picked?.kind === 'button_reply') return { type: 'button_reply', id: picked.id, title: picked.title };
  if (picked?.kind === 'list_reply') return { type: 'list_reply', id: picked.id, title: picked.title };
  return { type: 'text', text: trimmed };
}
