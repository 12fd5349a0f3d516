import type { OutboundMessage } from '../messages.js';

const BOT = 'bot> ';
const INDENT = ' '.repeat(BOT.length);

/** Prefixes the first line with `bot> ` and indents the others under it. */
function block(lines: string[]): string[] {
  return lines.flatMap((line) => line.split('\n')).map((line, index) => (index === 0 ? BOT : INDENT) + line);
}

/**
 * Renders one outbound message for a terminal. Buttons and list rows are numbered in the order the
 * engine matches positions ("2" picks the second option, across list sections).
 *
 * @example
 * renderOutbound({ type: 'buttons', text: 'Size?', buttons: [{ id: 's', title: 'Small' }] });
 * // ['bot> Size?', '       1. Small']
 */
export function renderOutbound(message: OutboundMessage): string[] {
  switch (message.type) {
    case 'text':
      return block([message.text]);
    case 'media': {
      const source = message.url ?? message.id ?? '';
      const filename = message.filename ? ` (${message.filename})` : '';
      return block([
        `[${message.kind}: ${source}${filename}]${message.caption ? ` ${message.caption}` : ''}`,
      ]);
    }
    case 'buttons':
      return block([
        ...(message.header ? [`*${message.header}*`] : []),
        message.text,
        ...(message.footer ? [`_${message.footer}_`] : []),
        ...message.buttons.map((button, index) => `  ${index + 1}. ${button.title}`),
      ]);
    case 'list': {
      let position = 0;
      return block([
        ...(message.header ? [`*${message.header}*`] : []),
        message.text,
        ...(message.footer ? [`_${message.footer}_`] : []),
        `[${message.buttonLabel}]`,
        ...message.sections.flatMap((section) => [
          ...(section.title ? [`  ${section.title}`] : []),
          ...section.rows.map((row) => {
            position++;
            return `    ${position}. ${row.title}${row.description ? ` - ${row.description}` : ''}`;
          }),
        ]),
      ]);
    }
    case 'template':
      return block([`[template: ${message.name} (${message.language})]`]);
    case 'location': {
      const label = [message.name, message.address].filter(Boolean).join(', ');
      return block([`[location: ${message.latitude},${message.longitude}${label ? ` ${label}` : ''}]`]);
    }
    case 'reaction':
      return block([`[reaction ${message.emoji} to ${message.messageId}]`]);
  }
}

/** The option a `/click <id>` means in the last interactive message: a button or a list row. */
export function findOption(
  message: OutboundMessage | undefined,
  id: string,
): { type: 'button' | 'list'; title: string } | undefined {
  if (message?.type === 'buttons') {
    const button = message.buttons.find((candidate) => candidate.id === id);
    return button && { type: 'button', title: button.title };
  }
  if (message?.type === 'list') {
    const row = message.sections.flatMap((section) => section.rows).find((candidate) => candidate.id === id);
    return row && { type: 'list', title: row.title };
  }
  return undefined;
}
