import { fold } from '../flow/text.js';
import type { InboundMessage } from '../messages.js';

/** One option of a `buttons` or `list` node, with its title already rendered. */
export interface RenderedOption {
  id: string;
  title: string;
}

/**
 * Finds the option a user picked: by id (a button or list reply), by title (case- and
 * accent-insensitive), or by position ("2" for the second option).
 */
export function matchOption(options: RenderedOption[], message: InboundMessage): RenderedOption | undefined {
  if (message.type === 'button' || message.type === 'list') {
    const id = message.type === 'button' ? message.buttonId : message.rowId;
    const byId = options.find((option) => option.id === id);
    if (byId) return byId;
  }
  if (message.type !== 'text' && message.type !== 'button' && message.type !== 'list') return undefined;
  const text = fold(message.text);
  if (text === '') return undefined;
  const byTitle = options.find((option) => fold(option.title) === text);
  if (byTitle) return byTitle;
  if (/^\d{1,3}$/.test(text)) return options[Number(text) - 1];
  return undefined;
}

/** Ids must be unique within a node: each is a handle. */
export const uniqueIds = (items: Array<{ id: string }>) =>
  new Set(items.map((item) => item.id)).size === items.length;

/** Handle ids a choice node reserves for itself. */
export const RESERVED_HANDLES = new Set(['noMatch', 'timeout']);
