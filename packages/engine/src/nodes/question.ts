import { z } from 'zod';
import type { MissCount } from './common.js';
import {
  durationSchema,
  missOutcome,
  optional,
  regexIssue,
  retrySchema,
  textSchema,
  timeoutTimers,
} from './common.js';
import { defineNode } from './define.js';
import { inputSchema, normalizeAnswer } from './input.js';

const questionData = z.object({
  text: textSchema,
  variable: z.string().min(1),
  input: inputSchema,
  retry: retrySchema.optional(),
  timeout: durationSchema.optional(),
});

type QuestionData = z.infer<typeof questionData>;
type QuestionLocal = MissCount;

/** `question`: asks, waits, validates and stores the answer. */
export const questionNode = defineNode<QuestionData, QuestionLocal>({
  type: 'question',
  data: questionData,
  handles: () => [{ id: 'out' }, optional('invalid'), optional('timeout')],
  settles: true,
  waits: () => true,
  writes: (data) => [data.variable],
  lint: (data, { nodeId }) =>
    data.input.type === 'regex'
      ? regexIssue(data.input.pattern, data.input.flags, nodeId, ['data', 'input', 'pattern'])
      : [],
  enter: (context) => ({
    send: [{ type: 'text', text: context.text(context.data.text) }],
    local: { misses: 0 },
    wait: { timers: timeoutTimers(context) },
  }),
  onInput: (context, message) => {
    const answer = normalizeAnswer(context.data.input, message, context.locale, context.now);
    if (answer.ok) return { set: { [context.data.variable]: answer.value }, next: 'out' };
    return missOutcome(context, 'invalid', () => [
      { type: 'text', text: context.text(context.data.retry?.text ?? context.data.text) },
    ]);
  },
  onTimer: (_context, name) => (name === 'timeout' ? { next: 'timeout' } : { wait: {} }),
});
