import { z } from 'zod';
import { textSchema } from './common.js';
import { defineNode } from './define.js';

/** `end`: says goodbye (optionally) and ends the conversation. */
export const endNode = defineNode({
  type: 'end',
  data: z.object({ text: textSchema.optional() }),
  handles: () => [],
  waits: () => false,
  instant: true,
  enter: (context) => {
    const text = context.text(context.data.text);
    return { send: text ? [{ type: 'text', text }] : [], end: { reason: 'end' } };
  },
});
