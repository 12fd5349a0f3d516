import { assign, setup } from 'xstate';
import { engineError } from '../errors.js';
import { type ParseFlowOptions, parseFlow } from '../flow/parse.js';
import { deletePath, readPath, writePath } from '../flow/paths.js';
import type { Flow, FlowNode } from '../flow/schema.js';
import { fold, interpolate, interpolateDeep, pickLocale } from '../flow/text.js';
import { inboundText } from '../messages.js';
import type { AnyNodeDefinition, NodeContext, NodeOutcome } from '../nodes/define.js';
import { createRegistry, type NodeRegistry } from '../nodes/registry.js';
import type { StartData } from '../nodes/start.js';
import type { EventMeta, FlowContext, FlowEvent, FlowInput } from './context.js';
import { hashJson } from './hash.js';

/** Transitions allowed in one step before the loop guard ends the conversation. */
export const DEFAULT_MAX_TRANSITIONS = 500;

/** The state a conversation reaches when its flow ends. */
export const ENDED_STATE = 'ended';
/** The state a conversation reaches when the loop guard stops it. */
export const HALTED_STATE = 'halted';

export interface CompileOptions extends ParseFlowOptions {
  maxTransitionsPerStep?: number;
}

/** A flow compiled to an xstate machine, with what the runtime needs to drive it. */
export interface CompiledFlow {
  flow: Flow;
  /** A hash of the flow's content: with id and version, the compile cache key. */
  hash: string;
  machine: ReturnType<typeof buildMachine>;
  /** The state key of a node id. */
  stateOf(nodeId: string): string | undefined;
  /** The node id of a state key. */
  nodeOf(state: string): string | undefined;
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
  const nodes = new Map<string, { node: FlowNode; definition: AnyNodeDefinition }>();
  flow.nodes.forEach((node, index) => {
    stateByNode.set(node.id, `n${index}`);
    nodeByState.set(`n${index}`, node.id);
    nodes.set(node.id, { node, definition: registry.get(node.type)! });
  });
  const startNode = flow.nodes.find((node) => node.type === 'start')!;
  const defaultLocale = flow.settings.defaultLocale ?? 'en';
  const machine = buildMachine(flow, nodes, stateByNode, defaultLocale, maxTransitions);
  return {
    flow,
    hash,
    machine,
    stateOf: (nodeId) => stateByNode.get(nodeId),
    nodeOf: (state) => nodeByState.get(state),
    node: (nodeId) => nodes.get(nodeId),
    start: { node: startNode, data: startNode.data as StartData },
    defaultLocale,
    maxTransitionsPerStep: maxTransitions,
  };
}

/** xstate computes a throwaway initial state (no input) inside every `transition`; it needs no real meta. */
const NO_META: EventMeta = { now: 0, conversation: { channel: '', botId: '', userId: '' } };

function metaOf(event: FlowEvent | { type: string; input?: FlowInput }): EventMeta {
  return 'meta' in event ? event.meta : ((event as { input?: FlowInput }).input?.meta ?? NO_META);
}

function buildMachine(
  flow: Flow,
  nodes: Map<string, { node: FlowNode; definition: AnyNodeDefinition }>,
  stateByNode: Map<string, string>,
  defaultLocale: string,
  maxTransitions: number,
) {
  const edges = new Map<string, Array<{ id: string; handle: string; target: string }>>();
  for (const edge of flow.edges) {
    const list = edges.get(edge.source) ?? [];
    list.push({ id: edge.id, handle: edge.sourceHandle, target: edge.target });
    edges.get(edge.source) ?? edges.set(edge.source, list);
  }
  const commands = (flow.settings.commands ?? []).map((command) => ({
    keywords: command.keywords.map(fold),
    target: command.target,
  }));

  /** The read-only view a node decides from. */
  const nodeContext = (
    nodeId: string,
    context: FlowContext,
    meta: EventMeta,
  ): NodeContext<unknown, unknown> => {
    const { node } = nodes.get(nodeId)!;
    const variables = context.variables;
    const locale =
      typeof variables.$locale === 'string' && variables.$locale ? variables.$locale : defaultLocale;
    const nodeEdges = edges.get(nodeId) ?? [];
    return {
      nodeId,
      data: node.data,
      local: context.local,
      variables,
      now: meta.now,
      conversation: meta.conversation,
      locale,
      text: (value) =>
        value === undefined ? '' : interpolate(pickLocale(value, locale, defaultLocale), variables),
      interpolate: (value) => interpolateDeep(value, variables),
      read: (path) => readPath(variables, path),
      hasEdge: (handle) => nodeEdges.some((edge) => edge.handle === handle),
    };
  };

  /** Applies a node's outcome to the context: its side data first, then where it goes. */
  const apply = (context: FlowContext, nodeId: string, outcome: NodeOutcome): Partial<FlowContext> => {
    let variables = context.variables;
    for (const [path, value] of Object.entries(outcome.set ?? {}))
      variables = writePath(variables, path, value);
    for (const path of outcome.unset ?? []) variables = deletePath(variables, path);
    const update: Partial<FlowContext> = { variables };
    if (outcome.send?.length) update.outbound = [...context.outbound, ...outcome.send];
    if (outcome.events?.length)
      update.events = [...context.events, ...outcome.events.map((event) => ({ ...event, nodeId }))];
    if ('local' in outcome) update.local = outcome.local;
    if (outcome.next !== undefined) update.exit = { handle: outcome.next };
    else if (outcome.jump !== undefined) update.exit = { jump: outcome.jump };
    else if (outcome.end !== undefined) update.exit = { end: outcome.end.reason ?? 'end' };
    else if (outcome.effect !== undefined) {
      update.effect = { nodeId, request: outcome.effect.request, timeoutMs: outcome.effect.timeoutMs };
    } else if (outcome.call !== undefined) {
      update.call = { nodeId, flowId: outcome.call.flowId, variables: outcome.call.variables };
    } else {
      const wait = outcome.wait ?? {};
      if (wait.timers) {
        update.timers = wait.timers.map((timer) => ({
          id: `${nodeId}#${context.sequence}:${timer.name}`,
          name: timer.name,
          at: timer.at,
        }));
      }
      if (wait.status) update.status = wait.status;
    }
    return update;
  };

  const exitHandle = (context: FlowContext) =>
    context.exit && 'handle' in context.exit ? context.exit.handle : undefined;

  const states: Record<string, object> = {};
  for (const [nodeId, { node, definition }] of nodes) {
    const targets = [
      ...(edges.get(nodeId) ?? []).map((edge) => ({
        guard: { type: 'exitHandle' as const, params: { handle: edge.handle } },
        target: `#${stateByNode.get(edge.target)}`,
        actions: { type: 'traverse' as const, params: { edgeId: edge.id } },
        reenter: true,
      })),
      ...(definition.jumpTargets?.(node.data) ?? []).map((target) => ({
        guard: { type: 'exitJump' as const, params: { target } },
        target: `#${stateByNode.get(target)}`,
        reenter: true,
      })),
    ];
    const key = stateByNode.get(nodeId)!;
    states[key] = {
      id: key,
      entry: { type: 'enter', params: { nodeId } },
      on: {
        'flow.input': [
          ...commands.map((command, index) => ({
            guard: { type: 'command' as const, params: { index } },
            target: `#${stateByNode.get(command.target)}`,
            reenter: true,
          })),
          { actions: { type: 'input', params: { nodeId } } },
        ],
        'flow.timer': { actions: { type: 'timer', params: { nodeId } } },
        'flow.effect': { actions: { type: 'effect', params: { nodeId } } },
        'flow.release': { actions: { type: 'release', params: { nodeId } } },
        'flow.return': { actions: { type: 'return', params: { nodeId } } },
      },
      always: [
        { guard: 'overLimit', target: `#${HALTED_STATE}` },
        ...targets,
        { guard: 'exited', target: `#${ENDED_STATE}`, actions: 'markEnded' },
      ],
    };
  }
  states[ENDED_STATE] = { id: ENDED_STATE, type: 'final' };
  states[HALTED_STATE] = { id: HALTED_STATE, type: 'final', entry: 'markHalted' };

  const definitionOf = (nodeId: string) => nodes.get(nodeId)!.definition;

  return setup({
    types: {} as { context: FlowContext; events: FlowEvent; input: FlowInput },
    actions: {
      enter: assign(({ context, event }, { nodeId }: { nodeId: string }) => {
        const entered: FlowContext = {
          ...context,
          sequence: context.sequence + 1,
          entered: [...context.entered, nodeId],
          local: undefined,
          timers: [],
          status: 'waiting',
          exit: null,
          effect: null,
          call: null,
        };
        if (entered.entered.length > maxTransitions) return entered;
        const outcome = definitionOf(nodeId).enter(nodeContext(nodeId, entered, metaOf(event)));
        return { ...entered, ...apply(entered, nodeId, outcome) };
      }),
      input: assign(({ context, event }, { nodeId }: { nodeId: string }) => {
        if (event.type !== 'flow.input') return {};
        const variables = { ...context.variables, $input: inboundText(event.message) };
        const current = { ...context, variables };
        const outcome = definitionOf(nodeId).onInput?.(
          nodeContext(nodeId, current, event.meta),
          event.message,
        ) ?? { wait: {} };
        return { variables, ...apply(current, nodeId, outcome) };
      }),
      timer: assign(({ context, event }, { nodeId }: { nodeId: string }) => {
        if (event.type !== 'flow.timer') return {};
        const timer = context.timers.find((candidate) => candidate.id === event.timerId);
        if (!timer) return {};
        const current = { ...context, timers: context.timers.filter((candidate) => candidate !== timer) };
        const outcome = definitionOf(nodeId).onTimer?.(
          nodeContext(nodeId, current, event.meta),
          timer.name,
        ) ?? { wait: {} };
        return { timers: current.timers, ...apply(current, nodeId, outcome) };
      }),
      effect: assign(({ context, event }, { nodeId }: { nodeId: string }) => {
        if (event.type !== 'flow.effect' || event.nodeId !== nodeId) return {};
        const current = { ...context, effect: null };
        const outcome = definitionOf(nodeId).onEffectResult?.(
          nodeContext(nodeId, current, event.meta),
          event.result,
        ) ?? {
          next: event.result.ok ? 'success' : 'error',
        };
        return { effect: null, ...apply(current, nodeId, outcome) };
      }),
      release: assign(({ context, event }, { nodeId }: { nodeId: string }) => {
        if (event.type !== 'flow.release') return {};
        const handler = definitionOf(nodeId).onRelease;
        if (!handler) return {};
        return apply(context, nodeId, handler(nodeContext(nodeId, context, event.meta), event.variables));
      }),
      return: assign(({ context, event }, { nodeId }: { nodeId: string }) => {
        if (event.type !== 'flow.return' || context.call?.nodeId !== nodeId) return {};
        const current = { ...context, call: null };
        const outcome = definitionOf(nodeId).onReturn?.(
          nodeContext(nodeId, current, event.meta),
          event.result,
        ) ?? { next: 'out' };
        return { call: null, ...apply(current, nodeId, outcome) };
      }),
      traverse: assign(({ context }, { edgeId }: { edgeId: string }) => ({
        traversed: [...context.traversed, edgeId],
      })),
      markEnded: assign(({ context }) => ({
        endReason: context.exit && 'end' in context.exit ? context.exit.end : 'end',
        timers: [],
      })),
      markHalted: assign({ endReason: 'loop-limit', timers: [] }),
    },
    guards: {
      exitHandle: ({ context }, { handle }: { handle: string }) => exitHandle(context) === handle,
      exitJump: ({ context }, { target }: { target: string }) =>
        context.exit !== null && 'jump' in context.exit && context.exit.jump === target,
      exited: ({ context }) => context.exit !== null,
      overLimit: ({ context }) => context.entered.length > maxTransitions,
      command: ({ context, event }, { index }: { index: number }) => {
        // Commands are typed words: a tapped button or list row answers the node, even if its title is "Cancel".
        if (event.type !== 'flow.input' || event.message.type !== 'text' || context.status === 'handoff') return false;
        const text = fold(inboundText(event.message));
        return text !== '' && commands[index]!.keywords.includes(text);
      },
    },
  }).createMachine({
    id: `flow:${flow.id}`,
    initial: stateByNode.get(flow.nodes.find((node) => node.type === 'start')!.id)!,
    // Without input (xstate's throwaway initial state in `transition`), start empty rather than throw.
    context: ({ input }) => ({
      variables: input?.variables ?? {},
      local: undefined,
      sequence: 0,
      timers: [],
      status: 'waiting',
      outbound: [],
      events: [],
      entered: [],
      traversed: [],
      exit: null,
      effect: null,
      call: null,
      endReason: null,
    }),
    states: states as Record<string, object>,
  });
}
