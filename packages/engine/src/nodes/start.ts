import { z } from 'zod';
import { fold } from '../flow/text.js';
import type { InboundMessage } from '../messages.js';
import { inboundText } from '../messages.js';
import { MAX_MATCHED_INPUT, regexIssue, regexMatchSchema } from './common.js';
import { defineNode } from './define.js';

const triggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('any') }),
  z.object({
    type: z.literal('keyword'),
    keywords: z.array(z.string().min(1)).min(1),
    match: z.enum(['exact', 'contains']).optional(),
  }),
  regexMatchSchema,
]);

const startData = z.object({ triggers: z.array(triggerSchema).optional() });
export type StartData = z.infer<typeof startData>;

/** Whether a first message picks the flow of this start node. No triggers = any message. */
export function startMatches(data: StartData, message: InboundMessage): boolean {
  if (!data.triggers || data.triggers.length === 0) return true;
  const text = fold(inboundText(message)).slice(0, MAX_MATCHED_INPUT);
  return data.triggers.some((trigger) => {
    switch (trigger.type) {
      case 'any':
        return true;
      case 'keyword':
        return trigger.keywords.some((keyword) =>
          trigger.match === 'contains' ? text.includes(fold(keyword)) : text === fold(keyword),
        );
      case 'regex':
        try {
          return new RegExp(trigger.pattern, trigger.flags ?? 'i').test(
            inboundText(message).slice(0, MAX_MATCHED_INPUT),
          );
        } catch {
          return false;
        }
      default:
        return false;
    }
  });
}

/** `start`: the entry point. Its triggers say which first messages pick this flow. */
export const startNode = defineNode({
  type: 'start',
  data: startData,
  handles: () => [{ id: 'out' }],
  waits: () => false,
  instant: true,
  lint: (data, { nodeId }) =>
    (data.triggers ?? []).flatMap((trigger, index) =>
      trigger.type === 'regex'
        ? regexIssue(trigger.pattern, trigger.flags, nodeId, ['data', 'triggers', index, 'pattern'])
        : [],
    ),
  enter: () => ({ next: 'out' }),
});
