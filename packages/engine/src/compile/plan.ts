import { describeError } from '../errors.js';
import { deletePath, readPath, writePath } from '../flow/paths.js';
import type { Flow, FlowNode } from '../flow/schema.js';
import { fold, interpolate, interpolateDeep, pickLocale } from '../flow/text.js';
import { inboundText } from '../messages.js';
import type { AnyNodeDefinition, NodeContext, NodeOutcome } from '../nodes/define.js';
import type { EventMeta, FlowContext, FlowEvent, FlowInput } from './context.js';

/** The final state a conversation reaches when its flow ends (or the loop guard stops it: `endReason` says which). */
export const ENDED_STATE = 'ended';
/** The `endReason` of a conversation the loop guard stopped. */
export const LOOP_LIMIT = 'loop-limit';
/** The `endReason` of a conversation whose node threw. */
export const NODE_FAILED = 'node-failed';

/** What starts a plan: the machine's first entry, an event in a node, a global command, or a node's pending exit. */
export type PlanSource = 'boot' | 'event' | 'command' | 'exit';

/** Where the conversation lands (a node id or `ended`) and the context it lands with. */
export interface Plan {
  landing: string;
  update: Partial<FlowContext>;
}

interface Edge {
  id: string;
  handle: string;
  target: string;
}

/** xstate computes a throwaway initial state (no input) inside every `transition`; it needs no real meta. */
const NO_META: EventMeta = { now: 0, conversation: { channel: '', botId: '', userId: '' } };

export function metaOf(event: FlowEvent | { type: string; input?: FlowInput }): EventMeta {
  return 'meta' in event ? event.meta : ((event as { input?: FlowInput }).input?.meta ?? NO_META);
}

const NO_EDGES: readonly Edge[] = [];

/**
 * The read-only view a node decides from. A class rather than an object of closures: one is made
 * per node entered, on the hot path of every step.
 */
class NodeView implements NodeContext<unknown, unknown> {
  readonly local: unknown;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly now: number;
  readonly conversation: EventMeta['conversation'];
  readonly locale: string;

  constructor(
    readonly nodeId: string,
    readonly data: unknown,
    context: FlowContext,
    meta: EventMeta,
    private readonly defaultLocale: string,
    private readonly edges: readonly Edge[],
  ) {
    this.local = context.local;
    this.variables = context.variables;
    this.now = meta.now;
    this.conversation = meta.conversation;
    const locale = context.variables.$locale;
    this.locale = typeof locale === 'string' && locale ? locale : defaultLocale;
  }

  text(value: string | Record<string, string> | undefined): string {
    return value === undefined
      ? ''
      : interpolate(pickLocale(value, this.locale, this.defaultLocale), this.variables);
  }

  interpolate(value: unknown): unknown {
    return interpolateDeep(value, this.variables);
  }

  read(path: string): unknown {
    return readPath(this.variables, path);
  }

  hasEdge(handle: string): boolean {
    return this.edges.some((edge) => edge.handle === handle);
  }
}

/**
 * The step logic of one flow, as pure functions of (context, event). A plan runs the node's
 * handler for the event, then follows its exit through every node that passes straight on (an
 * `instant` node: start, message, set, condition, jump, end), entering the node it lands in. The
 * compiled machine's guards ask the planner where a transition lands; its one action applies the
 * same (memoised) plan, so a whole chain of nodes is one xstate microstep.
 */
export function createPlanner(
  flow: Flow,
  nodes: ReadonlyMap<string, { node: FlowNode; definition: AnyNodeDefinition }>,
  defaultLocale: string,
  maxTransitions: number,
) {
  const edges = new Map<string, Edge[]>();
  for (const edge of flow.edges) {
    const list = edges.get(edge.source);
    const entry = { id: edge.id, handle: edge.sourceHandle, target: edge.target };
    if (list) list.push(entry);
    else edges.set(edge.source, [entry]);
  }
  const commands = (flow.settings.commands ?? []).map((command) => ({
    keywords: command.keywords.map(fold),
    target: command.target,
  }));
  const startId = flow.nodes.find((node) => node.type === 'start')!.id;
  const instant = (nodeId: string) => nodes.get(nodeId)?.definition.instant === true;

  const nodeContext = (
    nodeId: string,
    context: FlowContext,
    meta: EventMeta,
  ): NodeContext<unknown, unknown> =>
    new NodeView(
      nodeId,
      nodes.get(nodeId)!.node.data,
      context,
      meta,
      defaultLocale,
      edges.get(nodeId) ?? NO_EDGES,
    );

  /** Applies a node's outcome to a working context (mutates it: it is the plan's own copy). */
  const apply = (context: FlowContext, nodeId: string, outcome: NodeOutcome): void => {
    if (outcome.set || outcome.unset) {
      let variables = context.variables;
      for (const [path, value] of Object.entries(outcome.set ?? {}))
        variables = writePath(variables, path, value);
      for (const path of outcome.unset ?? []) variables = deletePath(variables, path);
      context.variables = variables;
    }
    if (outcome.send?.length) context.outbound = [...context.outbound, ...outcome.send];
    if (outcome.events?.length)
      context.events = [...context.events, ...outcome.events.map((event) => ({ ...event, nodeId }))];
    if ('local' in outcome) context.local = outcome.local;
    if (outcome.next !== undefined) context.exit = { handle: outcome.next };
    else if (outcome.jump !== undefined) context.exit = { jump: outcome.jump };
    else if (outcome.end !== undefined) context.exit = { end: outcome.end.reason ?? 'end' };
    else if (outcome.effect !== undefined) {
      context.effect = { nodeId, request: outcome.effect.request, timeoutMs: outcome.effect.timeoutMs };
    } else if (outcome.call !== undefined) {
      context.call = { nodeId, flowId: outcome.call.flowId, variables: outcome.call.variables };
    } else {
      const wait = outcome.wait ?? {};
      if (wait.timers) {
        context.timers = wait.timers.map((timer) => ({
          id: `${nodeId}#${context.sequence}:${timer.name}`,
          name: timer.name,
          at: timer.at,
        }));
      }
      if (wait.status) context.status = wait.status;
    }
  };

  /**
   * Runs a node's handler. A node that throws (a bug in a custom node) ends the conversation with a
   * `node.failed` event instead of breaking the step: the next message starts afresh.
   */
  const guarded = <T extends NodeOutcome | null>(decide: () => T): T | NodeOutcome => {
    try {
      return decide();
    } catch (error) {
      return {
        events: [{ type: 'node.failed', message: describeError(error) }],
        end: { reason: NODE_FAILED },
      };
    }
  };

  /** Enters a node: fresh node state, then its `enter`. */
  const enter = (context: FlowContext, nodeId: string, meta: EventMeta): void => {
    context.sequence += 1;
    context.entered = [...context.entered, nodeId];
    context.local = undefined;
    context.timers = [];
    context.status = 'waiting';
    context.exit = null;
    context.effect = null;
    context.call = null;
    if (context.entered.length > maxTransitions) return;
    apply(
      context,
      nodeId,
      guarded(() => nodes.get(nodeId)!.definition.enter(nodeContext(nodeId, context, meta))),
    );
  };

  const end = (context: FlowContext, reason: string): string => {
    context.endReason = reason;
    context.timers = [];
    context.exit = null;
    return ENDED_STATE;
  };

  /**
   * Follows the pending exit of `nodeId` through instant nodes. Returns the landing: the first node
   * that waits (or asks for an effect or a call), or `ended`.
   */
  const follow = (context: FlowContext, nodeId: string, meta: EventMeta): string => {
    let current = nodeId;
    for (;;) {
      if (context.entered.length > maxTransitions) return end(context, LOOP_LIMIT);
      const exit = context.exit;
      if (exit === null) return current;
      if (!instant(current) && current !== nodeId) return current; // it exits on its own, in its own state
      let next: string | undefined;
      if ('end' in exit) return end(context, exit.end);
      if ('jump' in exit) next = exit.jump;
      else {
        const edge = (edges.get(current) ?? []).find((candidate) => candidate.handle === exit.handle);
        if (!edge) return end(context, 'end'); // a handle without an edge ends the conversation
        context.traversed = [...context.traversed, edge.id];
        next = edge.target;
      }
      enter(context, next, meta);
      current = next;
    }
  };

  /** The outcome of an event in a node, on the working context; null when the event does not concern it. */
  const handle = (context: FlowContext, nodeId: string, event: FlowEvent): NodeOutcome | null =>
    guarded(() => handleEvent(context, nodeId, event));

  const handleEvent = (context: FlowContext, nodeId: string, event: FlowEvent): NodeOutcome | null => {
    const definition = nodes.get(nodeId)!.definition;
    const view = () => nodeContext(nodeId, context, event.meta);
    switch (event.type) {
      case 'flow.input':
        context.variables = { ...context.variables, $input: inboundText(event.message) };
        return definition.onInput?.(view(), event.message) ?? { wait: {} };
      case 'flow.timer': {
        const timer = context.timers.find((candidate) => candidate.id === event.timerId);
        if (!timer) return null;
        context.timers = context.timers.filter((candidate) => candidate !== timer);
        return definition.onTimer?.(view(), timer.name) ?? { wait: {} };
      }
      case 'flow.effect':
        if (context.effect?.nodeId !== nodeId || event.nodeId !== nodeId) return null;
        context.effect = null;
        return (
          definition.onEffectResult?.(view(), event.result) ?? { next: event.result.ok ? 'success' : 'error' }
        );
      case 'flow.release':
        return definition.onRelease ? definition.onRelease(view(), event.variables) : null;
      case 'flow.return':
        if (context.call?.nodeId !== nodeId) return null;
        context.call = null;
        return definition.onReturn?.(view(), event.result) ?? { next: 'out' };
    }
  };

  /** The index of the global command a message types, or -1. Commands are typed words: a tap answers the node. */
  const commandOf = (context: FlowContext, event: FlowEvent): number => {
    if (event.type !== 'flow.input' || event.message.type !== 'text' || context.status === 'handoff')
      return -1;
    const text = fold(event.message.text);
    return text === '' ? -1 : commands.findIndex((command) => command.keywords.includes(text));
  };

  /** Computes a plan; null when nothing happens (the event does not concern the node). */
  const compute = (
    context: FlowContext,
    event: FlowEvent | { type: string; input?: FlowInput },
    from: string,
    source: PlanSource,
  ): Plan | null => {
    const meta = metaOf(event);
    switch (source) {
      case 'boot': {
        const working: FlowContext = { ...context };
        enter(working, startId, meta);
        return { landing: follow(working, startId, meta), update: working };
      }
      case 'exit': {
        if (context.exit === null) return null;
        const working: FlowContext = { ...context };
        return { landing: follow(working, from, meta), update: working };
      }
      case 'command': {
        const index = commandOf(context, event as FlowEvent);
        if (index < 0) return null;
        const working: FlowContext = { ...context };
        const target = commands[index]!.target;
        working.variables = {
          ...working.variables,
          $input: inboundText((event as Extract<FlowEvent, { type: 'flow.input' }>).message),
        };
        enter(working, target, meta);
        return { landing: follow(working, target, meta), update: working };
      }
      case 'event': {
        if (commandOf(context, event as FlowEvent) >= 0) return null;
        const working: FlowContext = { ...context };
        const outcome = handle(working, from, event as FlowEvent);
        if (outcome === null) return null;
        apply(working, from, outcome);
        return { landing: follow(working, from, meta), update: working };
      }
    }
  };

  // One slot is enough: xstate asks every guard of a transition list, then runs the chosen action,
  // synchronously and with the same context and event objects.
  let memo: {
    context: FlowContext;
    event: object;
    from: string;
    source: PlanSource;
    plan: Plan | null;
  } | null = null;

  /** The plan for (context, event) from a node, memoised across the guards and the action that share them. */
  const plan = (
    context: FlowContext,
    event: FlowEvent | { type: string; input?: FlowInput },
    from: string,
    source: PlanSource,
  ): Plan | null => {
    if (
      memo &&
      memo.context === context &&
      memo.event === event &&
      memo.from === from &&
      memo.source === source
    )
      return memo.plan;
    const result = compute(context, event, from, source);
    memo = { context, event, from, source, plan: result };
    return result;
  };

  /**
   * Every state a plan from `nodeId` can land in: the nodes reachable through instant nodes (and
   * the instant nodes on the way, in case one misbehaves), the node itself, and `ended`.
   */
  const landings = (nodeIds: string[]): string[] => {
    const found = new Set<string>([ENDED_STATE]);
    const stack = [...nodeIds];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      found.add(id);
      if (!instant(id) && !nodeIds.includes(id)) continue;
      const { node, definition } = nodes.get(id)!;
      for (const edge of edges.get(id) ?? []) stack.push(edge.target);
      for (const target of definition.jumpTargets?.(node.data) ?? []) stack.push(target);
    }
    return [...found];
  };

  return { plan, landings, commands, startId };
}
