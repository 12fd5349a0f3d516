import { assign, setup, transition } from 'xstate';
import { acknowledgementTemplate, questionText, slotOf } from '../flows.js';

interface FloorContext {
  variables: Record<string, unknown>;
  outbound: Array<{ type: 'text'; text: string }>;
}

type FloorEvent = { type: 'input'; text: string };

/** `{{a.b}}` → the value at that path, as text; the same job the engine's interpolation does, written plainly. */
function fill(template: string, variables: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([\w.$]+)\s*\}\}/g, (_, path: string) => {
    let value: unknown = variables;
    for (const part of path.split('.'))
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    return value === undefined || value === null ? '' : String(value);
  });
}

/**
 * The floor for the memory store: a plain xstate v5 machine with the same conversation as a generated
 * flow (k question states; an answer stores a variable, sends an acknowledgement and the next
 * question), restored with `resolveState`, advanced with `transition`, and persisted as JSON text.
 * Everything the engine adds on top (validation, events, timers, dedupe, CAS, the session envelope)
 * is what the ratio measures.
 *
 * @example
 * const floor = createXstateFloor(4);
 * floor.step(); // one restore + transition + persist
 */
export function createXstateFloor(questions: number) {
  const states: Record<string, object> = {};
  for (let index = 0; index < questions; index++) {
    const next = (index + 1) % questions;
    states[`q${index}`] = {
      entry: { type: 'ask', params: { index } },
      on: { input: { target: `q${next}`, reenter: true, actions: { type: 'store', params: { index } } } },
    };
  }
  const machine = setup({
    types: {} as { context: FloorContext; events: FloorEvent },
    actions: {
      ask: assign(({ context }, { index }: { index: number }) => ({
        outbound: [...context.outbound, { type: 'text' as const, text: questionText(index) }],
      })),
      store: assign(({ context, event }, { index }: { index: number }) => {
        const variables = { ...context.variables, [slotOf(index)]: event.text };
        return {
          variables,
          outbound: [
            ...context.outbound,
            { type: 'text' as const, text: fill(acknowledgementTemplate(index), variables) },
          ],
        };
      }),
    },
  }).createMachine({
    id: 'floor',
    initial: 'q0',
    context: { variables: { contact: { id: '15550001111', name: 'Alex' } }, outbound: [] },
    states: states as Record<string, object>,
  });

  let stored = JSON.stringify({
    value: 'q0',
    context: { variables: { contact: { id: '15550001111', name: 'Alex' } } },
  });
  let turn = 0;
  let replies = 0;
  return {
    machine,
    /** One step: parse the stored JSON, restore, transition on an answer, persist. */
    step(): void {
      const persisted = JSON.parse(stored) as {
        value: string;
        context: { variables: Record<string, unknown> };
      };
      const snapshot = machine.resolveState({
        value: persisted.value,
        context: { variables: persisted.context.variables, outbound: [] },
      });
      const [next] = transition(machine, snapshot, { type: 'input', text: `Alex answer ${turn++ % 1000}` });
      replies += next.context.outbound.length;
      stored = JSON.stringify({ value: next.value, context: { variables: next.context.variables } });
    },
    /** Replies produced so far (proves the floor did its work; two per step). */
    get replies() {
      return replies;
    },
    get stored() {
      return stored;
    },
  };
}
