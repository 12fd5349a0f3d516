import type { ConversationRef, InboundMessage, OutboundMessage } from '../messages.js';
import type { CallResult, EffectResult, NodeEvent } from '../nodes/define.js';
import type { PersistedContext } from '../ports/store.js';

/** Facts every event brings into the pure machine: the time and the conversation. */
export interface EventMeta {
  now: number;
  conversation: ConversationRef;
}

export type FlowEvent =
  | { type: 'flow.input'; message: InboundMessage; meta: EventMeta }
  | { type: 'flow.timer'; timerId: string; meta: EventMeta }
  | { type: 'flow.effect'; nodeId: string; result: EffectResult; meta: EventMeta }
  | { type: 'flow.release'; variables: Record<string, unknown>; meta: EventMeta }
  | { type: 'flow.return'; result: CallResult; meta: EventMeta };

export interface FlowInput {
  variables: Record<string, unknown>;
  meta: EventMeta;
}

/** Where the current node said to go; read by the compiled eventless transitions. */
export type Exit = { handle: string } | { jump: string } | { end: string };

/** An effect the current node asked for; the runtime runs it and answers with `flow.effect`. */
export interface EffectRequest {
  nodeId: string;
  request: unknown;
  timeoutMs: number | undefined;
}

/** A flow the current node asked to run; the runtime starts it and answers with `flow.return`. */
export interface CallRequest {
  nodeId: string;
  flowId: string;
  variables: Record<string, unknown>;
}

/** The machine context: what persists, plus what one step collects (reset before each step). */
export interface FlowContext extends PersistedContext {
  outbound: OutboundMessage[];
  events: Array<NodeEvent & { nodeId: string }>;
  /** Node ids entered during this step, in order (also the loop guard's count). */
  entered: string[];
  /** Edge ids followed during this step, in order (for flow coverage). */
  traversed: string[];
  exit: Exit | null;
  effect: EffectRequest | null;
  call: CallRequest | null;
  /** Why the flow ended, once it has. */
  endReason: string | null;
}

/** A fresh step's context from a persisted one. */
export function stepContext(persisted: PersistedContext): FlowContext {
  return {
    variables: persisted.variables,
    local: persisted.local,
    sequence: persisted.sequence,
    timers: persisted.timers,
    status: persisted.status,
    outbound: [],
    events: [],
    entered: [],
    traversed: [],
    exit: null,
    effect: null,
    call: null,
    endReason: null,
  };
}

/** The part of a context that is stored. */
export function persistedContext(context: FlowContext): PersistedContext {
  return {
    variables: context.variables,
    local: context.local,
    sequence: context.sequence,
    timers: context.timers,
    status: context.status,
  };
}
