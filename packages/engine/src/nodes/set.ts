import { z } from 'zod';
import { deletePath, readPath, writePath } from '../flow/paths.js';
import { interpolate } from '../flow/text.js';
import { defineNode } from './define.js';

const assignmentSchema = z.object({
  variable: z.string().min(1),
  op: z.enum(['set', 'increment', 'decrement', 'append', 'unset']).optional(),
  value: z.unknown().optional(),
});

const setData = z.object({ assignments: z.array(assignmentSchema).min(1) });

/** `set`: assigns variables, in order; a later assignment sees an earlier one. */
export const setNode = defineNode({
  type: 'set',
  data: setData,
  handles: () => [{ id: 'out' }],
  waits: () => false,
  instant: true,
  writes: (data) => data.assignments.map((assignment) => assignment.variable),
  enter: (context) => {
    let variables: Record<string, unknown> = { ...context.variables };
    const set: Record<string, unknown> = {};
    const unset: string[] = [];
    const assign = (name: string, value: unknown) => {
      set[name] = value;
      variables = writePath(variables, name, value);
      const unsetIndex = unset.indexOf(name);
      if (unsetIndex >= 0) unset.splice(unsetIndex, 1);
    };
    for (const { variable, op = 'set', value } of context.data.assignments) {
      const resolved = typeof value === 'string' ? interpolate(value, variables) : value;
      const current = readPath(variables, variable);
      switch (op) {
        case 'set':
          assign(variable, resolved);
          break;
        case 'increment':
        case 'decrement': {
          const step = resolved === undefined ? 1 : Number(resolved);
          const base = Number(current ?? 0);
          const sign = op === 'increment' ? 1 : -1;
          assign(variable, (Number.isFinite(base) ? base : 0) + sign * (Number.isFinite(step) ? step : 0));
          break;
        }
        case 'append':
          assign(variable, [
            ...(Array.isArray(current) ? current : current === undefined ? [] : [current]),
            resolved,
          ]);
          break;
        case 'unset':
          unset.push(variable);
          delete set[variable];
          variables = deletePath(variables, variable);
          break;
      }
    }
    return { set, unset, next: 'out' };
  },
});
