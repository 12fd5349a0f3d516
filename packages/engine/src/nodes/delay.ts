import { z } from 'zod';
import { parseDuration } from '../flow/duration.js';
import { durationSchema } from './common.js';
import { defineNode } from './define.js';

/** `delay`: waits a duration on a durable timer, then goes on. Messages meanwhile are ignored. */
export const delayNode = defineNode({
  type: 'delay',
  data: z.object({ duration: durationSchema }),
  handles: () => [{ id: 'out' }],
  settles: true,
  waits: () => true,
  enter: (context) => ({
    wait: { timers: [{ name: 'delay', at: context.now + (parseDuration(context.data.duration) ?? 0) }] },
  }),
  onInput: () => ({ wait: {} }),
  onTimer: (_context, name) => (name === 'delay' ? { next: 'out' } : { wait: {} }),
});
