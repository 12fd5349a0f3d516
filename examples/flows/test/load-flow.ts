import { readdirSync, readFileSync } from 'node:fs';
import type { OutboundMessage } from '@botpe/engine';

const folder = new URL('../', import.meta.url);

/** Reads one of `examples/flows/*.json` as the editor saved it. */
export function loadExampleFlow(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, folder), 'utf8'));
}

/** The names of every example flow file. */
export function exampleFlowFiles(): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** The visible text of replies: a text, a caption, or an interactive message's body. */
export function bodies(replies: readonly OutboundMessage[]): string[] {
  return replies.map((reply) => {
    switch (reply.type) {
      case 'text':
      case 'buttons':
      case 'list':
        return reply.text;
      case 'media':
        return `[${reply.kind}] ${reply.caption ?? ''}`.trim();
      default:
        return `[${reply.type}]`;
    }
  });
}

/** The option titles of the last interactive reply. */
export function optionTitles(replies: readonly OutboundMessage[]): string[] {
  const last = [...replies].reverse().find((reply) => reply.type === 'buttons' || reply.type === 'list');
  if (last?.type === 'buttons') return last.buttons.map((button) => button.title);
  if (last?.type === 'list') return last.sections.flatMap((section) => section.rows.map((row) => row.title));
  return [];
}
