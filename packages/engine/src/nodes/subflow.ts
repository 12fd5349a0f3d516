import { z } from 'zod';
import { textSchema } from './common.js';
import { defineNode } from './define.js';

const subflowData = z.object({
  flowId: z.string().min(1),
  /** Child variable → a text of the caller (`{{…}}` reads the caller's variables). */
  input: z.record(z.string(), textSchema).optional(),
  /** Caller variable → a variable of the child, copied back when the child ends. */
  output: z.record(z.string(), z.string().min(1)).optional(),
});

/** `subflow`: runs another flow, then continues through `out` with the child's outputs. */
export const subflowNode = defineNode({
  type: 'subflow',
  data: subflowData,
  // `error`: the flow is unknown or subflows nest too deep. Without its edge, the conversation ends.
  handles: () => [{ id: 'out' }, { id: 'error', optional: true }],
  // The called flow is expected to wait for the user; if it never does, the loop guard ends it.
  settles: true,
  waits: () => true,
  writes: (data) => Object.keys(data.output ?? {}),
  lint: (data, { nodeId, flowIds }) =>
    flowIds && !flowIds.includes(data.flowId)
      ? [
          {
            code: 'subflow.unknownFlow',
            severity: 'error',
            message: `Node "${nodeId}" calls flow "${data.flowId}", which the engine does not know.`,
            path: ['data', 'flowId'],
          },
        ]
      : [],
  enter: (context) => {
    const variables: Record<string, unknown> = {
      contact: context.variables.contact,
      $input: context.variables.$input,
      $locale: context.variables.$locale,
    };
    for (const [name, text] of Object.entries(context.data.input ?? {})) {
      // A bare `{{path}}` passes the value itself (a number stays a number); other texts are rendered.
      const bare = typeof text === 'string' ? /^\{\{\s*([\w$.\-[\]]+)\s*\}\}$/.exec(text) : null;
      variables[name] = bare ? context.read(bare[1]!) : context.text(text);
    }
    return { call: { flowId: context.data.flowId, variables } };
  },
  onReturn: (context, result) => {
    if (!result.ok) return { events: [{ type: 'node.subflowFailed', reason: result.reason }], next: 'error' };
    const set: Record<string, unknown> = {};
    for (const [parent, child] of Object.entries(context.data.output ?? {}))
      set[parent] = result.variables[child];
    return { set, next: 'out' };
  },
});
