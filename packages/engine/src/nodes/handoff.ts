import { z } from 'zod';
import { durationSchema, optional, textSchema, timeoutTimers } from './common.js';
import { defineNode } from './define.js';

/** `handoff`: hands the conversation to a human. The bot stays silent until `engine.release`. */
export const handoffNode = defineNode({
  type: 'handoff',
  data: z.object({
    text: textSchema.optional(),
    queue: z.string().optional(),
    timeout: durationSchema.optional(),
  }),
  handles: () => [{ id: 'out' }, optional('timeout')],
  settles: true,
  waits: () => true,
  enter: (context) => {
    const text = context.text(context.data.text);
    return {
      send: text ? [{ type: 'text', text }] : [],
      events: [{ type: 'node.handoff', queue: context.data.queue ?? null }],
      wait: { status: 'handoff', timers: timeoutTimers(context) },
    };
  },
  // The human agent answers on their own channel; the bot records the message and stays silent.
  onInput: () => ({ wait: { status: 'handoff' } }),
  onRelease: (_context, variables) => ({ set: variables, next: 'out' }),
  onTimer: (_context, name) => (name === 'timeout' ? { next: 'timeout' } : { wait: { status: 'handoff' } }),
});
