import { z } from 'zod';
import { fold } from '../flow/text.js';
import { MAX_MATCHED_INPUT, textSchema } from './common.js';
import { defineNode } from './define.js';

const operators = [
  'equals',
  'notEquals',
  'contains',
  'notContains',
  'startsWith',
  'endsWith',
  'gt',
  'gte',
  'lt',
  'lte',
  'isEmpty',
  'isNotEmpty',
  'matches',
] as const;

export type ConditionOperator = (typeof operators)[number];

const ruleSchema = z.object({ left: textSchema, op: z.enum(operators), right: textSchema.optional() });

const conditionData = z.object({
  branches: z
    .array(
      z.object({
        id: z.string().min(1),
        match: z.enum(['all', 'any']).optional(),
        rules: z.array(ruleSchema).min(1),
      }),
    )
    .refine((branches) => new Set(branches.map((branch) => branch.id)).size === branches.length, {
      message: 'branch ids must be unique',
    })
    .refine((branches) => branches.every((branch) => branch.id !== 'else'), {
      message: '"else" is reserved',
    }),
});

function toNumber(text: string): number | null {
  if (text.trim() === '') return null;
  const value = Number(text.trim());
  return Number.isFinite(value) ? value : null;
}

/** Compares two interpolated texts. String operators fold case and accents; gt…lte compare numbers. */
export function compare(left: string, op: ConditionOperator, right: string): boolean {
  const a = fold(left);
  const b = fold(right);
  switch (op) {
    case 'equals':
      return a === b;
    case 'notEquals':
      return a !== b;
    case 'contains':
      return a.includes(b);
    case 'notContains':
      return !a.includes(b);
    case 'startsWith':
      return a.startsWith(b);
    case 'endsWith':
      return a.endsWith(b);
    case 'isEmpty':
      return a === '';
    case 'isNotEmpty':
      return a !== '';
    case 'matches':
      try {
        return new RegExp(right, 'iu').test(left.slice(0, MAX_MATCHED_INPUT));
      } catch {
        return false;
      }
    default: {
      const x = toNumber(left);
      const y = toNumber(right);
      if (x === null || y === null) return false;
      if (op === 'gt') return x > y;
      if (op === 'gte') return x >= y;
      if (op === 'lt') return x < y;
      return x <= y;
    }
  }
}

/** `condition`: takes the first branch whose rules hold, else `else`. */
export const conditionNode = defineNode({
  type: 'condition',
  data: conditionData,
  handles: (data) => [...data.branches.map((branch) => ({ id: branch.id })), { id: 'else' }],
  waits: () => false,
  instant: true,
  enter: (context) => {
    const holds = (rule: z.infer<typeof ruleSchema>) =>
      compare(context.text(rule.left), rule.op, context.text(rule.right));
    const branch = context.data.branches.find((candidate) =>
      candidate.match === 'any' ? candidate.rules.some(holds) : candidate.rules.every(holds),
    );
    return { next: branch?.id ?? 'else' };
  },
});
