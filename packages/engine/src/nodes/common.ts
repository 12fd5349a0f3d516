import { z } from 'zod';
import { parseDuration } from '../flow/duration.js';
import type { FlowIssue } from '../flow/issues.js';
import type { NodeContext, NodeOutcome, NodeTimer } from './define.js';

/** A text: a string with `{{…}}` placeholders, or a map of locale → string. */
export const textSchema = z.union([z.string(), z.record(z.string(), z.string())]);

/** A duration: `"30s"`, `"10m"`, `"2h"`, `"1d"`, or milliseconds. */
export const durationSchema = z
  .union([z.string().min(1), z.number().nonnegative()])
  .refine((value) => parseDuration(value) !== null, {
    message: 'expected a duration such as "30s", "10m", "2h", "1d" or a number of milliseconds',
  });

/** A re-prompt for an answer that did not fit. */
export const retrySchema = z.object({
  text: textSchema,
  max: z.number().int().min(1).max(100).optional(),
});

export const DEFAULT_RETRY_MAX = 3;

/** The `timeout` timer of a waiting node, when the flow handles it. */
export function timeoutTimers(context: NodeContext<{ timeout?: string | number }, unknown>): NodeTimer[] {
  const { timeout } = context.data;
  if (timeout === undefined || !context.hasEdge('timeout')) return [];
  return [{ name: 'timeout', at: context.now + (parseDuration(timeout) ?? 0) }];
}

/** The handle list of a waiting node's optional exits. */
export const optional = (id: string) => ({ id, optional: true });

/** `{ type: "regex", pattern, flags? }`: a start trigger or a question's input. Flags are limited to i, m, s, u. */
export const regexMatchSchema = z.object({
  type: z.literal('regex'),
  pattern: z.string().min(1),
  flags: z
    .string()
    .regex(/^[imsu]*$/)
    .optional(),
});

/** Checks a regular expression from a flow compiles (it is compiled, never evaluated as code). */
export function regexIssue(
  pattern: string,
  flags: string | undefined,
  nodeId: string,
  path: Array<string | number>,
): FlowIssue[] {
  try {
    new RegExp(pattern, flags);
    return [];
  } catch (error) {
    return [
      {
        code: 'regex.invalid',
        severity: 'error',
        message: `Invalid regular expression /${pattern}/: ${(error as Error).message}`,
        path,
        nodeId,
      },
    ];
  }
}

/** Answers longer than this are not matched against flow patterns (bounds the cost of a bad regex). */
export const MAX_MATCHED_INPUT = 2000;

/** Node-local state of a node that re-prompts. */
export type MissCount = { misses: number };

/** Re-prompts after a miss, or leaves through `invalid` once `retry.max` misses are reached. */
export function missOutcome(
  context: NodeContext<
    { retry?: { text: string | Record<string, string>; max?: number }; timeout?: string | number },
    MissCount
  >,
  exitHandle: string,
  prompt: () => NodeOutcome<MissCount>['send'],
): NodeOutcome<MissCount> {
  const misses = (context.local?.misses ?? 0) + 1;
  const max = context.data.retry?.max ?? DEFAULT_RETRY_MAX;
  if (misses >= max && context.hasEdge(exitHandle)) return { next: exitHandle };
  return { send: prompt(), local: { misses }, wait: { timers: timeoutTimers(context) } };
}
