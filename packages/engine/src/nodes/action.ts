import { z } from 'zod';
import { BotpeError, describeError, engineError } from '../errors.js';
import { placeholders } from '../flow/text.js';
import { textSchema } from './common.js';
import { defineNode, type NodeContext } from './define.js';

const actionData = z.object({
  name: z.string().min(1),
  input: z.record(z.string(), textSchema).optional(),
  variable: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().max(300_000).optional(),
});

export type ActionData = z.infer<typeof actionData>;

/** What `enter` hands to `runEffect`. */
export interface ActionRequest {
  name: string;
  input: Record<string, unknown>;
}

/** A value that is one placeholder and nothing else, such as `{{order}}`. */
const SINGLE_PLACEHOLDER = /^\{\{[^{}]*\}\}$/;

/**
 * Builds the action's input. A value that is exactly one placeholder passes the variable itself
 * (a number stays a number, an object stays an object); any other text is interpolated to a string.
 */
function renderInput(context: NodeContext<ActionData, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context.data.input ?? {})) {
    const template = typeof value === 'string' ? value.trim() : undefined;
    const paths = template !== undefined && SINGLE_PLACEHOLDER.test(template) ? placeholders(template) : [];
    input[key] = paths.length === 1 ? context.read(paths[0]!) : context.text(value);
  }
  return input;
}

/**
 * Checks that an action's result is plain JSON and returns it as JSON would store it: objects with
 * `toJSON` (a Date) are converted, `undefined` object fields are dropped. Functions, symbols,
 * BigInts, non-finite numbers, cycles, Maps, Sets and other class instances are refused with the
 * path of the first offending value, since the result is stored in the session.
 *
 * @example
 * toJsonValue({ at: new Date(0), items: [1, 2] }); // { at: '1970-01-01T00:00:00.000Z', items: [1, 2] }
 * toJsonValue({ run: () => 1 });                   // throws: "result.run is a function"
 */
export function toJsonValue(value: unknown, path = 'result', ancestors: object[] = []): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is ${value}, which JSON cannot hold`);
    return value;
  }
  if (typeof value !== 'object') throw new TypeError(`${path} is a ${typeof value}, which JSON cannot hold`);
  if (ancestors.includes(value)) throw new TypeError(`${path} refers back to itself (a cycle)`);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return toJsonValue(toJSON.call(value), path, [...ancestors, value]);
  const inside = [...ancestors, value];
  if (Array.isArray(value))
    return value.map((item, index) =>
      item === undefined ? null : toJsonValue(item, `${path}[${index}]`, inside),
    );
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new TypeError(
      `${path} is a ${prototype?.constructor?.name ?? 'class instance'}, not a plain object`,
    );
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) result[key] = toJsonValue(item, `${path}.${key}`, inside);
  }
  return result;
}

/**
 * `action`: calls a function the host registered by name (`createEngine({ actions })`), with the
 * node's interpolated `input`, and stores its result in `variable`. The result → `success`; a
 * throw, a timeout, an unknown name or a result that is not JSON → `error`.
 *
 * @example
 * createEngine({ flows, actions: { createOrder: async (input, { idempotencyKey }) => orders.create(input, idempotencyKey) } });
 * // { "id": "order", "type": "action", "data": { "name": "createOrder", "input": { "size": "{{size}}" }, "variable": "order" } }
 */
export const actionNode = defineNode<ActionData>({
  type: 'action',
  data: actionData,
  handles: () => [{ id: 'success' }, { id: 'error' }],
  settles: true,
  waits: () => false,
  writes: (data) => (data.variable ? [data.variable] : []),
  lint: (data, { nodeId, actions }) =>
    actions && !actions.includes(data.name)
      ? [
          {
            code: 'action.unknown',
            severity: 'error',
            message: `Node "${nodeId}" calls action "${data.name}", which the engine does not know.`,
            path: ['data', 'name'],
          },
        ]
      : [],
  enter: (context) => {
    const request: ActionRequest = { name: context.data.name, input: renderInput(context) };
    return {
      effect: {
        request,
        ...(context.data.timeoutMs !== undefined ? { timeoutMs: context.data.timeoutMs } : {}),
      },
    };
  },
  runEffect: async (request, context) => {
    const { name, input } = request as ActionRequest;
    const { actions } = context.services;
    const handler = Object.hasOwn(actions, name) ? actions[name] : undefined;
    if (typeof handler !== 'function') {
      throw engineError(
        'ACTION_NOT_FOUND',
        `node "${context.nodeId}" calls action "${name}", which the engine does not know`,
        { details: { name } },
      );
    }
    let result: unknown;
    try {
      result = await handler(input, {
        conversation: context.conversation,
        variables: context.variables,
        idempotencyKey: context.idempotencyKey,
        signal: context.signal,
      });
    } catch (error) {
      if (BotpeError.isInstance(error)) throw error;
      throw engineError('EFFECT_FAILED', `action "${name}" failed: ${describeError(error)}`, {
        cause: error,
        details: { name },
      });
    }
    if (result === undefined) return undefined;
    try {
      return toJsonValue(result);
    } catch (error) {
      throw new BotpeError(
        'ACTION_RESULT_INVALID',
        `[@botpe/engine] action "${name}" returned a value that is not JSON: ${describeError(error)}`,
        {
          cause: error,
          details: { name },
        },
      );
    }
  },
  onEffectResult: (context, result) => {
    const { variable } = context.data;
    if (!result.ok) return { next: 'error' };
    if (!variable) return { next: 'success' };
    return result.value === undefined
      ? { unset: [variable], next: 'success' }
      : { set: { [variable]: result.value }, next: 'success' };
  },
});
