import type { z } from 'zod';
import type { FlowIssue } from '../flow/issues.js';
import type { ConversationRef, InboundMessage, OutboundMessage } from '../messages.js';
import type { ChannelLimits } from '../ports/transport.js';

/** A text in a flow: a string with `{{variable}}` placeholders, or a map of locale → such a string. */
export type Text = string | Record<string, string>;

/** A handle a node can leave through. */
export interface HandleSpec {
  id: string;
  /** An optional handle (`timeout`, `invalid`, `noMatch`) gets no "handle with no edge" warning. */
  optional?: boolean;
}

/** What a node can read while it decides. Everything here is plain data: no I/O, no clock calls. */
export interface NodeContext<Data, Local> {
  nodeId: string;
  data: Data;
  /** What this node kept from its last outcome while the conversation stayed in it. */
  local: Local | undefined;
  /** The session's variables, including `contact`, `$input` and `$locale`. */
  variables: Readonly<Record<string, unknown>>;
  /** The time of the event being processed (from the injected clock). */
  now: number;
  conversation: ConversationRef;
  /** The session's locale (`$locale`, else the flow's `defaultLocale`). */
  locale: string;
  /** Picks the locale's string of a text and fills its `{{…}}` placeholders; `undefined` → `''`. */
  text(value: Text | undefined): string;
  /** Fills placeholders in every string of a JSON value. */
  interpolate(value: unknown): unknown;
  /** Reads a variable by dotted path (`order.items[0].name`, `contact.name`, `$input`). */
  read(path: string): unknown;
  /** Whether the flow has an edge leaving this node through `handle`. */
  hasEdge(handle: string): boolean;
}

/** The result of an effect, fed back to `onEffectResult`. */
export type EffectResult =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; message: string } };

/** A fact a node wants in the step's events (e.g. token usage). `type` is `noun.verb`. */
export interface NodeEvent {
  type: string;
  [field: string]: unknown;
}

/** A timer the node waits on. When it fires, `onTimer` gets its name. */
export interface NodeTimer {
  name: string;
  /** When, in milliseconds since the epoch (compute it from `context.now`). */
  at: number;
}

/**
 * What a node decided. `send`, `set`, `unset`, `local` and `events` apply first; then exactly one
 * of `next`, `jump`, `wait`, `effect` and `end` says where the conversation goes.
 */
export interface NodeOutcome<Local = unknown> {
  send?: OutboundMessage[];
  /** Variables to assign; a key may be a dotted path (`order.size`). */
  set?: Record<string, unknown>;
  unset?: string[];
  /** Node-local state kept while the conversation stays in this node (retries, a draft…). */
  local?: Local;
  events?: NodeEvent[];
  /** Leave through this handle. A handle without an edge ends the conversation (or the called flow). */
  next?: string;
  /** Continue at this node id (must be listed by `jumpTargets`). */
  jump?: string;
  /** Stay in this node until input, a timer or a release. `timers` replaces this node's timers. */
  wait?: { timers?: NodeTimer[]; status?: 'waiting' | 'handoff' };
  /** Run this node's `runEffect` with the request, then continue in `onEffectResult`. */
  effect?: { request: unknown; timeoutMs?: number };
  /** End the conversation. */
  end?: { reason?: string };
  /** Run another flow with these variables; when it ends, `onReturn` gets its variables. */
  call?: { flowId: string; variables: Record<string, unknown> };
}

/** How a called flow (`call` outcome) came back. */
export type CallResult =
  | { ok: true; variables: Record<string, unknown>; reason: string }
  | { ok: false; reason: 'unknown-flow' | 'depth-exceeded' };

/** Services the engine hands to effects. */
export interface EffectServices {
  actions: Readonly<Record<string, ActionHandler>>;
  http: HttpOptions;
}

export interface HttpOptions {
  /** Let `http` nodes reach loopback, private and link-local addresses. Default false. */
  allowPrivateNetwork?: boolean;
  /**
   * A fetch to use instead of the engine's own client. Honoured only with `allowPrivateNetwork`:
   * a host's fetch cannot be pinned to the address the SSRF check approved.
   */
  fetch?: typeof fetch;
}

/** What an effect can use. It runs outside the machine, once per attempt. */
export interface EffectContext<Data> {
  nodeId: string;
  data: Data;
  conversation: ConversationRef;
  variables: Readonly<Record<string, unknown>>;
  /** `conversationKey:version:nodeId`: the same when a step is redone after a crash or a conflict. */
  idempotencyKey: string;
  /** Aborted at the deadline or when the engine closes. */
  signal: AbortSignal;
  /** The deadline, in milliseconds since the epoch, on the engine's (possibly fake) clock. */
  deadline: number;
  /** The time the effect may take, in real milliseconds; the signal aborts when it runs out. */
  timeoutMs: number;
  services: EffectServices;
}

/** A host function that an `action` node calls by name. */
export type ActionHandler = (
  input: Record<string, unknown>,
  context: {
    conversation: ConversationRef;
    variables: Readonly<Record<string, unknown>>;
    idempotencyKey: string;
    signal: AbortSignal;
  },
) => unknown | Promise<unknown>;

/** What a node's lint can see. */
export interface LintContext {
  nodeId: string;
  /** The channel's limits, when the flow is checked for one (`botpe validate --channel whatsapp`). */
  limits?: ChannelLimits;
  /** The host's action names, when the engine knows them. */
  actions?: readonly string[];
  /** The flow ids a `subflow` may call, when known. */
  flowIds?: readonly string[];
}

/**
 * A node type: its data schema, its handles, and pure functions from events to outcomes.
 * Core nodes and extensions (such as `ai.*`) are all defined this way.
 */
export interface NodeDefinition<Data = unknown, Local = unknown> {
  type: string;
  /** The zod schema of the node's `data`. */
  data: z.ZodType<Data>;
  handles(data: Data): HandleSpec[];
  /** Whether the node can stop a step to wait for the user or a timer (a cycle must pass one). */
  waits(data: Data): boolean;
  /**
   * The node always leaves as it is entered (`next`, `jump` or `end` from `enter`, no other
   * handler). The compiler then runs it inside the transition that reaches it, so a chain such as
   * message → set → condition costs one machine step.
   */
  instant?: boolean;
  /**
   * The node never leaves as it is entered: its `enter` waits, or asks for an effect or a call.
   * Lets the compiler leave out the eventless check that would move such a node on.
   */
  settles?: boolean;
  /** Node ids the node may jump to. */
  jumpTargets?(data: Data): string[];
  /** Variables the node assigns, for the "read but never written" lint. */
  writes?(data: Data): string[];
  /** Extra checks, such as channel limits. */
  lint?(data: Data, context: LintContext): FlowIssue[];
  enter(context: NodeContext<Data, Local>): NodeOutcome<Local>;
  onInput?(context: NodeContext<Data, Local>, message: InboundMessage): NodeOutcome<Local>;
  onTimer?(context: NodeContext<Data, Local>, name: string): NodeOutcome<Local>;
  onEffectResult?(context: NodeContext<Data, Local>, result: EffectResult): NodeOutcome<Local>;
  onRelease?(context: NodeContext<Data, Local>, variables: Record<string, unknown>): NodeOutcome<Local>;
  /** Continues after a flow this node called (`call` outcome) ended. */
  onReturn?(context: NodeContext<Data, Local>, result: CallResult): NodeOutcome<Local>;
  /** The I/O behind an `effect` outcome. Its result (or error) goes to `onEffectResult`. */
  runEffect?(request: unknown, context: EffectContext<Data>): Promise<unknown>;
}

/**
 * Declares a node type. The engine's own nodes are defined with it too.
 *
 * @example
 * const shout = defineNode({
 *   type: 'shout',
 *   data: z.object({ text: z.string() }),
 *   handles: () => [{ id: 'out' }],
 *   waits: () => false,
 *   enter: (ctx) => ({ send: [{ type: 'text', text: ctx.text(ctx.data.text).toUpperCase() }], next: 'out' }),
 * });
 * createEngine({ flows, nodes: [shout] });
 */
export function defineNode<Data, Local = unknown>(definition: NodeDefinition<Data, Local>) {
  return definition;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds definitions of every data type.
export type AnyNodeDefinition = NodeDefinition<any, any>;
