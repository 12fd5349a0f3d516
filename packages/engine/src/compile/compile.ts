import { assign, type StateValue, setup } from 'xstate';
import { engineError } from '../errors.js';
import { type ParseFlowOptions, parseFlow } from '../flow/parse.js';
import type { Flow, FlowNode } from '../flow/schema.js';
import type { AnyNodeDefinition } from '../nodes/define.js';
import { createRegistry, type NodeRegistry } from '../nodes/registry.js';
import type { StartData } from '../nodes/start.js';
import { type FlowContext, type FlowEvent, type FlowInput, stepContext } from './context.js';
import { hashJson } from './hash.js';
import { createPlanner, ENDED_STATE, LOOP_LIMIT, type PlanSource } from './plan.js';

export { ENDED_STATE, LOOP_LIMIT };

/** Transitions allowed in one step before the loop guard ends the conversation. */
export const DEFAULT_MAX_TRANSITIONS = 500;

/** The state a new conversation is in before its start node runs. */
const BOOT_STATE = 'boot';

/**
 * Node states sit in groups of this many under the root. xstate scans the root's children on every
 * transition (is the machine done?), so a flat 1,000-state machine would make each step cost more
 * the bigger the flow; groups keep that scan short.
 */
const GROUP_SIZE = 32;
const groupOf = (index: number) => `g${Math.floor(index / GROUP_SIZE)}`;

export interface CompileOptions extends ParseFlowOptions {
  maxTransitionsPerStep?: number;
}

/** A flow compiled to an xstate machine, with what the runtime needs to drive it. */
export interface CompiledFlow {
  flow: Flow;
  /** A hash of the flow's content: with id and version, the compile cache key. */
  hash: string;
  machine: ReturnType<typeof buildMachine>;
  /** The machine state value of a node id (for `resolveState`), or undefined for an unknown node. */
  stateOf(nodeId: string): StateValue | undefined;
  /** The node id of a machine state value; undefined for `boot` and `ended`. */
  nodeOf(value: StateValue): string | undefined;
  node(nodeId: string): { node: FlowNode; definition: AnyNodeDefinition } | undefined;
  start: { node: FlowNode; data: StartData };
  defaultLocale: string;
  maxTransitionsPerStep: number;
}

const caches = new WeakMap<NodeRegistry, Map<string, CompiledFlow>>();

/**
 * Validates a flow and compiles it to an xstate v5 machine. Compiled flows are cached by id,
 * version and content hash (and node registry), so compiling the same flow again costs a hash.
 * Throws a `FLOW_INVALID` BotpeError carrying every problem in `details.errors`.
 *
 * @example
 * const compiled = compileFlow(flowJson);
 * const [snapshot] = initialTransition(compiled.machine, { variables: {}, meta });
 */
export function compileFlow(input: unknown, options: CompileOptions = {}): CompiledFlow {
  const registry = createRegistry(options.nodes);
  const hash = hashJson(input);
  const idAndVersion =
    input !== null && typeof input === 'object'
      ? `${(input as { id?: unknown }).id}@${(input as { version?: unknown }).version}`
      : '';
  const maxTransitions = options.maxTransitionsPerStep ?? DEFAULT_MAX_TRANSITIONS;
  const key = `${idAndVersion}#${hash}#${maxTransitions}`;
  let cache = caches.get(registry);
  const cached = cache?.get(key);
  if (cached) return cached;

  const parsed = parseFlow(input, options);
  if (!parsed.ok) {
    const first = parsed.errors[0]!;
    throw engineError(
      'FLOW_INVALID',
      `flow "${idAndVersion}" is invalid: ${first.message}${parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : ''}`,
      {
        details: { errors: parsed.errors, warnings: parsed.warnings },
      },
    );
  }
  const compiled = build(parsed.flow, hash, registry, maxTransitions);
  if (!cache) {
    cache = new Map();
    caches.set(registry, cache);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

function build(flow: Flow, hash: string, registry: NodeRegistry, maxTransitions: number): CompiledFlow {
  const stateByNode = new Map<string, string>();
  const nodeByState = new Map<string, string>();
  const valueByNode = new Map<string, StateValue>();
  const nodes = new Map<string, { node: FlowNode; definition: AnyNodeDefinition }>();
  flow.nodes.forEach((node, index) => {
    stateByNode.set(node.id, `n${index}`);
    nodeByState.set(`n${index}`, node.id);
    valueByNode.set(node.id, { [groupOf(index)]: `n${index}` });
    nodes.set(node.id, { node, definition: registry.get(node.type)! });
  });
  const startNode = flow.nodes.find((node) => node.type === 'start')!;
  const defaultLocale = flow.settings.defaultLocale ?? 'en';
  const machine = buildMachine(flow, nodes, stateByNode, defaultLocale, maxTransitions);
  return {
    flow,
    hash,
    machine,
    stateOf: (nodeId) => valueByNode.get(nodeId),
    nodeOf: (value) =>
      typeof value === 'string' ? undefined : nodeByState.get(Object.values(value)[0] as string),
    node: (nodeId) => nodes.get(nodeId),
    start: { node: startNode, data: startNode.data as StartData },
    defaultLocale,
    maxTransitionsPerStep: maxTransitions,
  };
}

function buildMachine(
  flow: Flow,
  nodes: Map<string, { node: FlowNode; definition: AnyNodeDefinition }>,
  stateByNode: Map<string, string>,
  defaultLocale: string,
  maxTransitions: number,
) {
  const planner = createPlanner(flow, nodes, defaultLocale, maxTransitions);
  const keyOf = (landing: string) => (landing === ENDED_STATE ? landing : stateByNode.get(landing)!);

  /** One guarded transition per state a plan can land in; staying put is a targetless transition. */
  const transitions = (from: string, source: PlanSource, roots: string[]) =>
    planner.landings(roots).map((landing) => ({
      guard: { type: 'lands' as const, params: { from, source, to: landing } },
      ...(landing === from ? {} : { target: `#${keyOf(landing)}` }),
      actions: { type: 'apply' as const, params: { from, source } },
    }));

  const commandTargets = planner.commands.map((command) => command.target);
  const states: Record<string, { initial: string; states: Record<string, object> }> = {};
  let index = 0;
  for (const [nodeId, { definition }] of nodes) {
    const key = stateByNode.get(nodeId)!;
    const group = groupOf(index++);
    states[group] ??= { initial: key, states: {} };
    states[group].states[key] = {
      id: key,
      on: {
        // Every flow event (input, timer, effect, release, return) goes through the same plans; global commands first.
        'flow.*': [
          ...(commandTargets.length ? transitions(nodeId, 'command', commandTargets) : []),
          ...transitions(nodeId, 'event', [nodeId]),
        ],
      },
      // A node that may exit as it is entered (outside an instant chain) moves on here.
      ...(definition.settles ? {} : { always: transitions(nodeId, 'exit', [nodeId]) }),
    };
  }
  const root: Record<string, object> = { ...states };
  root[BOOT_STATE] = { id: BOOT_STATE, always: transitions(planner.startId, 'boot', [planner.startId]) };
  root[ENDED_STATE] = { id: ENDED_STATE, type: 'final' };

  return setup({
    types: {} as { context: FlowContext; events: FlowEvent; input: FlowInput },
    actions: {
      apply: assign(
        ({ context, event }, { from, source }: { from: string; source: PlanSource }) =>
          planner.plan(context, event, from, source)?.update ?? {},
      ),
    },
    guards: {
      lands: ({ context, event }, { from, source, to }: { from: string; source: PlanSource; to: string }) =>
        planner.plan(context, event, from, source)?.landing === to,
    },
  }).createMachine({
    id: `flow:${flow.id}`,
    initial: BOOT_STATE,
    // Without input (xstate's throwaway initial state in `transition`), start empty rather than throw.
    context: ({ input }) =>
      stepContext({
        variables: input?.variables ?? {},
        local: undefined,
        sequence: 0,
        timers: [],
        status: 'waiting',
      }),
    states: root,
  });
}
