import { EventEmitter } from 'eventemitter3';
import { initialTransition, transition } from 'xstate';
import { type CompiledFlow, compileFlow, LOOP_LIMIT } from '../compile/compile.js';
import { type EventMeta, type FlowContext, persistedContext, stepContext } from '../compile/context.js';
import { hashText } from '../compile/hash.js';
import { BotpeError, describeError, engineError } from '../errors.js';
import { parseDuration } from '../flow/duration.js';
import {
  type ConversationRef,
  conversationKey,
  type InboundEvent,
  inboundText,
  type OutboundMessage,
} from '../messages.js';
import type { ActionHandler, AnyNodeDefinition, EffectResult, HttpOptions } from '../nodes/define.js';
import { startMatches } from '../nodes/start.js';
import { type Clock, systemClock } from '../ports/clock.js';
import type { OutboxEntry, SessionRecord, StackFrame, Store, TimerEntry } from '../ports/store.js';
import type { Transport } from '../ports/transport.js';
import { createMemoryStore } from './memory-store.js';
import { KeyedQueue } from './queue.js';
import type { Engine, EngineEvent, EngineEventMap, StepResult, StepStatus } from './types.js';

export interface EngineLimits {
  /** Node entries allowed in one step before the loop guard ends the conversation. Default 500. */
  maxTransitionsPerStep?: number;
  /** An effect's deadline when its node sets none. Default 10 000 ms. */
  effectTimeoutMs?: number;
  /** How many recent inbound ids a session remembers for duplicate detection. Default 32. */
  processedIds?: number;
  /** How often a step is redone after losing a CAS race before it fails. Default 25. */
  maxCommitAttempts?: number;
  /** Sessions kept in the hot-session cache (0 turns it off). Default 10 000. */
  hotSessions?: number;
  /** How deep `subflow` calls may nest. Default 8. */
  maxSubflowDepth?: number;
}

export interface EngineOptions {
  /**
   * Flow documents (as the editor saves them). The newest version of each flow id starts new
   * conversations; the first whose start triggers match a first message picks it.
   */
  flows: readonly unknown[];
  /**
   * Loads a flow version the engine does not hold (a session pinned to it, started by another
   * process or before a restart). Return undefined when it no longer exists.
   */
  loadFlow?: (flowId: string, version: number) => unknown | Promise<unknown>;
  /** Where sessions live. Default: a memory store. */
  store?: Store;
  /** Sends replies. Without one, each step returns its replies for the host to send. */
  transport?: Transport;
  /** Extension node types, e.g. `aiNodes({ client })`. */
  nodes?: readonly AnyNodeDefinition[];
  /** Host functions for `action` nodes, by name. */
  actions?: Record<string, ActionHandler>;
  clock?: Clock;
  http?: HttpOptions;
  limits?: EngineLimits;
}

/** What a step computed, before it is committed. */
interface Plan {
  record: SessionRecord | null;
  result: StepResult;
  /** The outbox entries this step added (delivered after the commit). */
  added: OutboxEntry[];
}

type Compute = (record: SessionRecord | null, now: number) => Promise<Plan | StepResult>;

const isPlan = (value: Plan | StepResult): value is Plan => 'added' in value;

function assertInbound(event: InboundEvent): void {
  const conversation = event?.conversation;
  const message = event?.message;
  const problems: string[] = [];
  if (!conversation || typeof conversation !== 'object') problems.push('conversation is missing');
  else {
    for (const field of ['channel', 'botId', 'userId'] as const) {
      if (typeof conversation[field] !== 'string' || conversation[field] === '')
        problems.push(`conversation.${field} must be a non-empty string`);
    }
  }
  if (!message || typeof message !== 'object') problems.push('message is missing');
  else {
    if (typeof message.id !== 'string' || message.id === '')
      problems.push('message.id must be a non-empty string');
    if (typeof message.type !== 'string') problems.push('message.type must be a string');
    if (typeof message.timestamp !== 'number' || !Number.isFinite(message.timestamp))
      problems.push('message.timestamp must be a number (ms)');
  }
  if (problems.length > 0)
    throw engineError('EVENT_INVALID', `invalid inbound event: ${problems.join('; ')}`, {
      details: { problems },
    });
}

/**
 * Creates an engine: validates and compiles the flows, then runs one step per inbound event with
 * exactly-once semantics (dedupe by message id, CAS commit, outbox delivered after commit).
 *
 * @example
 * const engine = createEngine({ flows: [pizzaFlow], store: createMemoryStore() });
 * const result = await engine.handle({
 *   conversation: { channel: 'whatsapp', botId: '1555000', userId: '15550001111' },
 *   message: { id: 'wamid.1', timestamp: Date.now(), type: 'text', text: 'hi' },
 * });
 * console.log(result.outbound);
 */
export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? createMemoryStore();
  const transport = options.transport;
  const limits = {
    maxTransitionsPerStep: options.limits?.maxTransitionsPerStep ?? 500,
    effectTimeoutMs: options.limits?.effectTimeoutMs ?? 10_000,
    processedIds: options.limits?.processedIds ?? 32,
    maxCommitAttempts: options.limits?.maxCommitAttempts ?? 25,
    hotSessions: options.limits?.hotSessions ?? 10_000,
    maxSubflowDepth: options.limits?.maxSubflowDepth ?? 8,
  };
  const actions = options.actions ?? {};
  const compileOptions = {
    ...(options.nodes ? { nodes: options.nodes } : {}),
    ...(options.actions ? { actions: Object.keys(options.actions) } : {}),
    maxTransitionsPerStep: limits.maxTransitionsPerStep,
  };

  // Every flow version the engine has seen stays here, so live sessions keep their pinned version.
  const byVersion = new Map<string, CompiledFlow>();
  let latest = new Map<string, CompiledFlow>();
  let routable: CompiledFlow[] = [];
  const install = (documents: readonly unknown[]) => {
    const next = new Map<string, CompiledFlow>();
    for (const document of documents) {
      const compiled = compileFlow(document, compileOptions);
      byVersion.set(`${compiled.flow.id}@${compiled.flow.version}`, compiled);
      const current = next.get(compiled.flow.id);
      if (!current || current.flow.version < compiled.flow.version) next.set(compiled.flow.id, compiled);
    }
    latest = next;
    routable = [...next.values()];
  };
  install(options.flows);

  const emitter = new EventEmitter<EngineEventMap>();
  const queue = new KeyedQueue();
  const hot = new Map<string, SessionRecord>();
  const closing = new AbortController();
  let closed = false;

  const emit = (event: EngineEvent) => {
    emitter.emit(event.type, event);
  };

  const remember = (record: SessionRecord) => {
    if (limits.hotSessions === 0) return;
    hot.delete(record.key);
    hot.set(record.key, record);
    if (hot.size > limits.hotSessions) hot.delete(hot.keys().next().value!);
  };

  const storeCall = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (BotpeError.isInstance(error)) throw error;
      throw engineError(
        'STORE_FAILED',
        `the ${store.name} store failed to ${what}: ${describeError(error)}`,
        { cause: error, retryable: true },
      );
    }
  };

  /** Loads (or takes from the hot cache), computes, and commits with CAS; redoes the step on a conflict. */
  async function commit(
    key: string,
    compute: Compute,
  ): Promise<{ result: StepResult; added: OutboxEntry[]; record: SessionRecord | null; attempts: number }> {
    for (let attempt = 1; attempt <= limits.maxCommitAttempts; attempt++) {
      const cached = attempt === 1 ? hot.get(key) : undefined;
      const current = cached ?? (await storeCall('load a session', () => store.load(key)));
      const plan = await compute(current, clock.now());
      if (!isPlan(plan)) return { result: plan, added: [], record: current, attempts: attempt };
      if (plan.record === null) return { result: plan.result, added: [], record: current, attempts: attempt };
      const saved = await storeCall('save a session', () =>
        store.save(plan.record!, current?.version ?? null),
      );
      if (saved) {
        remember(plan.record);
        return { result: plan.result, added: plan.added, record: plan.record, attempts: attempt };
      }
      hot.delete(key);
    }
    throw engineError(
      'STORE_CONFLICT_LIMIT',
      `gave up after ${limits.maxCommitAttempts} conflicting commits`,
      {
        retryable: true,
        details: { conversationKey: key },
      },
    );
  }

  /** Runs a step for one conversation: serialised per conversation, committed, then delivered. */
  async function step(conversation: ConversationRef, compute: Compute): Promise<StepResult> {
    if (closed) throw engineError('ENGINE_CLOSED', 'the engine is closed');
    const key = conversationKey(conversation);
    return queue.run(key, async () => {
      const began = performance.now();
      let outcome: Awaited<ReturnType<typeof commit>>;
      try {
        outcome = await commit(key, compute);
      } catch (error) {
        const code = BotpeError.isInstance(error) ? error.code : 'STORE_FAILED';
        emit({ type: 'error', conversationKey: key, code, message: describeError(error) });
        throw error;
      }
      const { result, added, record } = outcome;
      if (transport && record && added.length > 0) await deliver(record, added, result.events);
      const stepEvent: EngineEvent = {
        type: 'step',
        conversationKey: key,
        status: result.status,
        durationMs: performance.now() - began,
        duplicate: result.duplicate,
        attempts: outcome.attempts,
      };
      result.events.push(stepEvent);
      for (const event of result.events) emit(event);
      return result;
    });
  }

  /** Hands outbox entries to the transport in order, then removes the delivered ones from the session. */
  async function deliver(
    record: SessionRecord,
    entries: OutboxEntry[],
    events: EngineEvent[],
  ): Promise<number> {
    const done: string[] = [];
    for (const entry of entries) {
      try {
        const receipt = await transport!.send(record.conversation, entry.message, {
          idempotencyKey: entry.id,
          signal: closing.signal,
        });
        events.push({
          type: 'message.sent',
          conversationKey: record.key,
          outboxId: entry.id,
          providerMessageId: receipt.providerMessageId,
        });
        done.push(entry.id);
      } catch (error) {
        const code = BotpeError.isInstance(error) ? error.code : 'TRANSPORT_FAILED';
        if (BotpeError.isInstance(error) && !error.retryable) {
          // It can never be delivered: drop it rather than block the conversation's later replies.
          events.push({
            type: 'message.failed',
            conversationKey: record.key,
            outboxId: entry.id,
            code,
            message: describeError(error),
          });
          done.push(entry.id);
          continue;
        }
        events.push({ type: 'error', conversationKey: record.key, code, message: describeError(error) });
        break; // keep order: the rest waits in the outbox for recover()
      }
    }
    if (done.length > 0) await clearOutbox(record.key, done);
    return done.length;
  }

  async function clearOutbox(key: string, ids: string[]): Promise<void> {
    const delivered = new Set(ids);
    for (let attempt = 1; attempt <= limits.maxCommitAttempts; attempt++) {
      const current =
        (attempt === 1 ? hot.get(key) : undefined) ??
        (await storeCall('load a session', () => store.load(key)));
      if (!current?.outbox.some((entry) => delivered.has(entry.id))) return;
      const next: SessionRecord = {
        ...current,
        version: current.version + 1,
        outbox: current.outbox.filter((entry) => !delivered.has(entry.id)),
      };
      if (await storeCall('clear an outbox', () => store.save(next, current.version))) {
        remember(next);
        return;
      }
      hot.delete(key);
    }
  }

  /** Runs an effect with its deadline and AbortSignal; never throws. */
  async function runEffect(
    compiled: CompiledFlow,
    context: FlowContext,
    meta: EventMeta,
    key: string,
    version: number,
    events: EngineEvent[],
  ): Promise<EffectResult> {
    const request = context.effect!;
    const { node, definition } = compiled.node(request.nodeId)!;
    const timeoutMs = request.timeoutMs ?? limits.effectTimeoutMs;
    const controller = new AbortController();
    const onClose = () => controller.abort(closing.signal.reason);
    closing.signal.addEventListener('abort', onClose);
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The first outcome wins: a late rejection after the deadline must not report a second failure.
    let settled = false;
    const failure = (code: string, message: string): EffectResult => {
      if (!settled)
        events.push({ type: 'effect.failed', conversationKey: key, nodeId: request.nodeId, code, message });
      settled = true;
      return { ok: false, error: { code, message } };
    };
    try {
      if (!definition.runEffect)
        return failure('EFFECT_FAILED', `node type "${node.type}" asked for an effect but has no runEffect`);
      const timeout = new Promise<EffectResult>((resolve) => {
        timer = setTimeout(() => {
          controller.abort(
            engineError(
              'EFFECT_TIMEOUT',
              `effect of node "${request.nodeId}" timed out after ${timeoutMs} ms`,
            ),
          );
          resolve(failure('EFFECT_TIMEOUT', `timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      });
      const runEffect = definition.runEffect;
      // Through a promise, so a runEffect that throws synchronously is a failed effect, not a failed step.
      const work = Promise.resolve()
        .then(() =>
          runEffect(request.request, {
            nodeId: request.nodeId,
            data: node.data,
            conversation: meta.conversation,
            variables: context.variables,
            idempotencyKey: `${key}:${version}:${request.nodeId}`,
            signal: controller.signal,
            deadline: meta.now + timeoutMs,
            timeoutMs,
            services: { actions, http: options.http ?? {} },
          }),
        )
        .then(
          (value): EffectResult => {
            settled = true;
            return { ok: true, value };
          },
          (error: unknown): EffectResult =>
            failure(BotpeError.isInstance(error) ? error.code : 'EFFECT_FAILED', describeError(error)),
        );
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
      closing.signal.removeEventListener('abort', onClose);
    }
  }

  type Snapshot = ReturnType<typeof transition<CompiledFlow['machine']>>[0];

  /** Where a step begins: the running flow's snapshot after the first event, and its callers. */
  interface Begin {
    compiled: CompiledFlow;
    first: (meta: EventMeta) => Snapshot;
    stack: StackFrame[];
  }

  /**
   * Drives the machines: the first event, then the effects and subflow calls they ask for, until
   * the conversation waits or ends. Returns the plan to commit.
   */
  async function drive(
    begin: Begin,
    record: SessionRecord | null,
    conversation: ConversationRef,
    now: number,
    events: EngineEvent[],
    processedId: string | null,
    /** Whether the step counts as activity: user input or a start, not a timer. */
    active = true,
  ): Promise<Plan> {
    const key = conversationKey(conversation);
    const version = (record?.version ?? 0) + 1;
    const meta: EventMeta = { now, conversation };
    let compiled = begin.compiled;
    const stack = [...begin.stack];
    let snapshot = begin.first(meta);
    const outbound: OutboundMessage[] = [];
    const entered: Array<{ compiled: CompiledFlow; nodeId: string }> = [];
    const traversed: Array<{ compiled: CompiledFlow; edgeId: string }> = [];
    const nodeEvents: FlowContext['events'] = [];
    // What one machine did, collected when the step leaves it (a call, a return) and at the end.
    const harvest = (from: CompiledFlow, context: FlowContext) => {
      outbound.push(...context.outbound);
      for (const nodeId of context.entered) entered.push({ compiled: from, nodeId });
      for (const edgeId of context.traversed) traversed.push({ compiled: from, edgeId });
      nodeEvents.push(...context.events);
    };
    let halted = false;
    for (let rounds = 0; ; rounds++) {
      if (rounds > limits.maxTransitionsPerStep) {
        halted = true;
        break;
      }
      const context = snapshot.context;
      if (snapshot.status === 'active' && context.effect) {
        const result = await runEffect(compiled, context, meta, key, version, events);
        snapshot = transition(compiled.machine, snapshot, {
          type: 'flow.effect',
          nodeId: context.effect.nodeId,
          result,
          meta,
        })[0];
        continue;
      }
      if (snapshot.status === 'active' && context.call) {
        const child = latest.get(context.call.flowId);
        if (!child || stack.length >= limits.maxSubflowDepth) {
          const reason = child ? 'depth-exceeded' : 'unknown-flow';
          snapshot = transition(compiled.machine, snapshot, {
            type: 'flow.return',
            result: { ok: false, reason },
            meta,
          })[0];
          continue;
        }
        harvest(compiled, context);
        stack.push({
          flowId: compiled.flow.id,
          flowVersion: compiled.flow.version,
          node: context.call.nodeId,
          context: persistedContext(context),
        });
        const variables = {
          ...initialVariables(child, conversation, undefined, {}),
          ...context.call.variables,
        };
        compiled = child;
        snapshot = initialTransition(child.machine, { variables, meta })[0];
        continue;
      }
      if (snapshot.status === 'done' && context.endReason !== LOOP_LIMIT && stack.length > 0) {
        harvest(compiled, context);
        const frame = stack.pop()!;
        const caller = byVersion.get(`${frame.flowId}@${frame.flowVersion}`);
        const state = caller?.stateOf(frame.node);
        if (!caller || !state)
          throw engineError(
            'SESSION_CORRUPT',
            `session ${key} returns to flow "${frame.flowId}" v${frame.flowVersion}, which is gone`,
          );
        const resumed = caller.machine.resolveState({
          value: state,
          context: {
            ...stepContext(frame.context),
            call: { nodeId: frame.node, flowId: compiled.flow.id, variables: {} },
          },
        });
        const result = {
          ok: true as const,
          variables: context.variables,
          reason: context.endReason ?? 'end',
        };
        compiled = caller;
        snapshot = transition(caller.machine, resumed, { type: 'flow.return', result, meta })[0];
        continue;
      }
      break;
    }
    harvest(compiled, snapshot.context);
    const context = snapshot.context;
    const flow = compiled.flow;
    if (
      entered.length > limits.maxTransitionsPerStep ||
      (snapshot.status === 'done' && snapshot.context.endReason === LOOP_LIMIT)
    )
      halted = true;
    for (const { compiled: from, nodeId } of entered.slice(0, limits.maxTransitionsPerStep)) {
      events.push({
        type: 'node.entered',
        conversationKey: key,
        flowId: from.flow.id,
        nodeId,
        nodeType: from.node(nodeId)!.node.type,
      });
    }
    for (const { compiled: from, edgeId } of traversed.slice(0, limits.maxTransitionsPerStep)) {
      events.push({ type: 'edge.traversed', conversationKey: key, flowId: from.flow.id, edgeId });
    }
    for (const { type, nodeId, ...fields } of nodeEvents) {
      events.push({ ...fields, type: type as `node.${string}`, conversationKey: key, nodeId });
    }
    if (halted) {
      events.push({
        type: 'error',
        conversationKey: key,
        code: 'LOOP_LIMIT',
        message: `more than ${limits.maxTransitionsPerStep} transitions in one step; the conversation was ended`,
      });
    }
    const ended = halted || snapshot.status === 'done';
    const rootFlowId = stack[0]?.flowId ?? flow.id;
    if (ended)
      events.push({
        type: 'session.ended',
        conversationKey: key,
        flowId: rootFlowId,
        reason: halted ? LOOP_LIMIT : (context.endReason ?? 'end'),
      });
    const nodeId = ended ? (entered.at(-1)?.nodeId ?? null) : compiled.nodeOf(snapshot.value)!;

    const timers: TimerEntry[] = ended
      ? []
      : context.timers.map((timer) => ({ id: timer.id, at: timer.at, kind: 'node' as const }));
    const sessionTimeout =
      flow.settings.sessionTimeout === undefined ? null : parseDuration(flow.settings.sessionTimeout);
    // The idle clock restarts on activity only: a reminder loop must not keep a session alive forever.
    const previousExpiry = record?.state ? record.timers.find((timer) => timer.kind === 'expire') : undefined;
    if (!ended && sessionTimeout !== null) {
      timers.push(
        !active && previousExpiry
          ? previousExpiry
          : { id: `expire:${version}`, at: now + sessionTimeout, kind: 'expire' },
      );
    }

    const added: OutboxEntry[] = transport
      ? outbound.map((message, index) => ({ id: `${key}:${version}:${index}`, message, createdAt: now }))
      : [];
    const processed =
      processedId === null
        ? (record?.processed ?? [])
        : [...(record?.processed ?? []), processedId].slice(-limits.processedIds);
    const status: StepStatus = ended ? 'ended' : context.status;
    const next: SessionRecord = {
      key,
      conversation,
      version,
      status,
      state: ended
        ? null
        : {
            schemaVersion: 1,
            flowId: flow.id,
            flowVersion: flow.version,
            node: nodeId!,
            context: persistedContext(context),
            ...(stack.length > 0 ? { stack } : {}),
          },
      timers,
      dueAt: timers.length === 0 ? null : Math.min(...timers.map((timer) => timer.at)),
      outbox: [...(record?.outbox ?? []), ...added],
      processed,
      updatedAt: now,
    };
    return {
      record: next,
      added,
      result: { outbound, status, nodeId, variables: context.variables, events, duplicate: false },
    };
  }

  /** Compiles a flow version the engine does not hold, through `loadFlow`. */
  const loadVersion = async (flowId: string, version: number): Promise<CompiledFlow | undefined> => {
    const known = byVersion.get(`${flowId}@${version}`);
    if (known || !options.loadFlow) return known;
    const document = await options.loadFlow(flowId, version);
    if (document === undefined || document === null) return undefined;
    const compiled = compileFlow(document, compileOptions);
    byVersion.set(`${flowId}@${version}`, compiled);
    return compiled;
  };

  /**
   * A live session's flow and snapshot: the version it is pinned to, or the newest version when
   * that one declares a migration from it. Null when the flow is gone.
   */
  async function resume(
    record: SessionRecord,
  ): Promise<{ compiled: CompiledFlow; snapshot: Snapshot; stack: StackFrame[] } | null> {
    const state = record.state!;
    let compiled: CompiledFlow | undefined;
    let node = state.node;
    const newest = latest.get(state.flowId);
    if (
      newest &&
      newest.flow.version !== state.flowVersion &&
      newest.flow.migrate?.from.includes(state.flowVersion)
    ) {
      const mapped = newest.flow.migrate.nodes?.[state.node] ?? state.node;
      if (newest.stateOf(mapped)) {
        compiled = newest;
        node = mapped;
      }
    }
    compiled ??= await loadVersion(state.flowId, state.flowVersion);
    if (!compiled) return null;
    const stack = state.stack ?? [];
    for (const frame of stack) if (!(await loadVersion(frame.flowId, frame.flowVersion))) return null;
    const value = compiled.stateOf(node);
    if (!value)
      throw engineError(
        'SESSION_CORRUPT',
        `session ${record.key} is at node "${node}", which flow "${compiled.flow.id}" v${compiled.flow.version} does not have`,
      );
    return {
      compiled,
      stack,
      snapshot: compiled.machine.resolveState({ value, context: stepContext(state.context) }),
    };
  }

  const isLive = (record: SessionRecord | null): record is SessionRecord =>
    Boolean(record?.state) && record!.status !== 'ended';
  const isExpired = (record: SessionRecord, now: number) =>
    record.timers.some((timer) => timer.kind === 'expire' && timer.at <= now);

  /** The record as if its session had ended (not yet committed). */
  const endSession = (record: SessionRecord, events: EngineEvent[], reason: string): SessionRecord => {
    events.push({
      type: 'session.ended',
      conversationKey: record.key,
      flowId: record.state!.stack?.[0]?.flowId ?? record.state!.flowId,
      reason,
    });
    return { ...record, status: 'ended', state: null, timers: [], dueAt: null };
  };

  /** A live session ready for its next event; or, if it expired or lost its flow, the ended record. */
  async function prepare(stored: SessionRecord | null, now: number, events: EngineEvent[]) {
    if (!isLive(stored)) return { record: stored, resumed: null };
    if (isExpired(stored, now)) return { record: endSession(stored, events, 'expired'), resumed: null };
    const resumed = await resume(stored);
    return resumed
      ? { record: stored, resumed }
      : { record: endSession(stored, events, 'flow-removed'), resumed: null };
  }

  /** Commits an ended-by-the-runtime record with nothing else to do. */
  const closeOnly = (record: SessionRecord, now: number, result: StepResult): Plan => ({
    record: { ...record, version: record.version + 1, updatedAt: now },
    added: [],
    result,
  });

  const initialVariables = (
    compiled: CompiledFlow,
    conversation: ConversationRef,
    contact: { name?: string } | undefined,
    extra: Record<string, unknown>,
  ) => {
    const variables: Record<string, unknown> = {};
    for (const variable of compiled.flow.variables)
      if (variable.default !== undefined) variables[variable.name] = variable.default;
    return {
      ...variables,
      contact: { id: conversation.userId, ...(contact?.name !== undefined ? { name: contact.name } : {}) },
      $locale: compiled.defaultLocale,
      ...extra,
    };
  };

  const noChange = (
    record: SessionRecord | null,
    status: StepStatus,
    events: EngineEvent[],
    duplicate: boolean,
  ): StepResult => ({
    outbound: [],
    status,
    nodeId: record?.state?.node ?? null,
    variables: record?.state?.context.variables ?? {},
    events,
    duplicate,
  });

  const engine = emitter as EventEmitter<EngineEventMap> & Engine;

  engine.handle = async (event) => {
    assertInbound(event);
    const { conversation, message } = event;
    const key = conversationKey(conversation);
    // Sessions keep an 8-character hash (~41 bits) of each id: a WhatsApp id is ~60 characters, and
    // 32 of them would triple the size of a session record. A false duplicate among 32 remembered
    // ids has a chance of about 1 in 10^11.
    const processedId = hashText(message.id).slice(-8);
    return step(conversation, async (stored, now) => {
      const events: EngineEvent[] = [];
      if (stored?.processed.includes(processedId))
        return noChange(
          stored,
          stored.status === 'active' ? 'waiting' : (stored.status as StepStatus),
          events,
          true,
        );
      events.push({
        type: 'message.received',
        conversationKey: key,
        messageId: message.id,
        messageType: message.type,
      });
      const { record, resumed } = await prepare(stored, now, events);
      if (resumed) {
        const { compiled, snapshot, stack } = resumed;
        const first = (meta: EventMeta) =>
          transition(compiled.machine, snapshot, { type: 'flow.input', message, meta })[0];
        return drive({ compiled, first, stack }, record, conversation, now, events, processedId);
      }
      const chosen = routable.find((candidate) => startMatches(candidate.start.data, message));
      if (!chosen) {
        // Nothing to run; an expired session is still closed so its timers stop.
        const unrouted = noChange(null, 'unrouted', events, false);
        return record && record !== stored ? closeOnly(record, now, unrouted) : unrouted;
      }
      events.push({
        type: 'session.started',
        conversationKey: key,
        flowId: chosen.flow.id,
        flowVersion: chosen.flow.version,
      });
      const variables = initialVariables(chosen, conversation, event.contact, {
        $input: inboundText(message),
      });
      const first = (meta: EventMeta) => initialTransition(chosen.machine, { variables, meta })[0];
      return drive({ compiled: chosen, first, stack: [] }, record, conversation, now, events, processedId);
    });
  };

  engine.start = async (conversation, { flowId, variables = {}, contact }) => {
    const key = conversationKey(conversation);
    return step(conversation, async (stored, now) => {
      const chosen = latest.get(flowId);
      if (!chosen) throw engineError('FLOW_NOT_FOUND', `no flow "${flowId}"`, { details: { flowId } });
      const events: EngineEvent[] = [];
      const record = isLive(stored) ? endSession(stored, events, 'replaced') : stored;
      events.push({
        type: 'session.started',
        conversationKey: key,
        flowId: chosen.flow.id,
        flowVersion: chosen.flow.version,
      });
      const initial = initialVariables(chosen, conversation, contact, variables);
      const first = (meta: EventMeta) => initialTransition(chosen.machine, { variables: initial, meta })[0];
      return drive({ compiled: chosen, first, stack: [] }, record, conversation, now, events, null);
    });
  };

  engine.release = async (conversation, { variables = {} } = {}) =>
    step(conversation, async (stored, now) => {
      const events: EngineEvent[] = [];
      const { record, resumed } = await prepare(stored, now, events);
      if (!resumed || record!.status !== 'handoff') {
        const unchanged = noChange(
          record,
          isLive(record) ? (record.status as StepStatus) : 'ended',
          events,
          false,
        );
        return record && record !== stored ? closeOnly(record, now, unchanged) : unchanged;
      }
      const { compiled, snapshot, stack } = resumed;
      const first = (meta: EventMeta) =>
        transition(compiled.machine, snapshot, { type: 'flow.release', variables, meta })[0];
      return drive({ compiled, first, stack }, record, conversation, now, events, null);
    });

  /** Fires the earliest due timer of one session, if it still has one. */
  const fireTimer = (conversation: ConversationRef) =>
    step(conversation, async (stored, now) => {
      const events: EngineEvent[] = [];
      const due = stored?.timers.filter((timer) => timer.at <= now).sort((a, b) => a.at - b.at)[0];
      if (!stored || !due) return noChange(stored, 'waiting', events, false);
      const key = stored.key;
      events.push({ type: 'timer.fired', conversationKey: key, timerId: due.id, stale: false });
      const { record, resumed } = await prepare(stored, now, events);
      const live = resumed?.snapshot.context.timers.some((timer) => timer.id === due.id);
      if (!resumed || !live) {
        if (record !== stored) return closeOnly(record!, now, noChange(null, 'ended', events, false));
        // A timer of a node the session has left: drop it, run nothing.
        (events.at(-1) as { stale: boolean }).stale = true;
        const timers = stored.timers.filter((timer) => timer !== due);
        const dropped = {
          ...stored,
          timers,
          dueAt: timers.length ? Math.min(...timers.map((timer) => timer.at)) : null,
        };
        return closeOnly(dropped, now, noChange(stored, stored.status as StepStatus, events, false));
      }
      const { compiled, snapshot, stack } = resumed;
      const first = (meta: EventMeta) =>
        transition(compiled.machine, snapshot, { type: 'flow.timer', timerId: due.id, meta })[0];
      return drive({ compiled, first, stack }, stored, stored.conversation, now, events, null, false);
    });

  engine.tick = async () => {
    const results: StepResult[] = [];
    // Each round fires at most one timer per session; a session with several due timers comes back next round.
    for (let round = 0; round < 1000; round++) {
      const now = clock.now();
      const keys = await storeCall('list due timers', () => store.dueTimers(now, 100));
      if (keys.length === 0) break;
      const fired = await Promise.all(
        keys.map(async (key) => {
          const record = hot.get(key) ?? (await storeCall('load a session', () => store.load(key)));
          return record ? fireTimer(record.conversation) : null;
        }),
      );
      const progressed = fired.filter((result): result is StepResult => result !== null);
      results.push(
        ...progressed.filter((result) => result.events.some((event) => event.type === 'timer.fired')),
      );
      if (!progressed.some((result) => result.events.some((event) => event.type === 'timer.fired'))) break;
    }
    return results;
  };

  engine.recover = async ({ olderThanMs = 0 } = {}) => {
    if (!transport) return 0;
    let delivered = 0;
    const attempted = new Set<string>();
    for (;;) {
      const keys = (await storeCall('list outboxes', () => store.pendingOutbox(100))).filter(
        (key) => !attempted.has(key),
      );
      if (keys.length === 0) return delivered;
      for (const key of keys) {
        attempted.add(key);
        // In the conversation's queue: a step of this process may be delivering the same entries.
        delivered += await queue.run(key, async () => {
          const fresh = await storeCall('load a session', () => store.load(key));
          if (!fresh) return 0;
          remember(fresh);
          const cutoff = clock.now() - olderThanMs;
          const events: EngineEvent[] = [];
          const count = await deliver(
            fresh,
            fresh.outbox.filter((entry) => entry.createdAt <= cutoff),
            events,
          );
          for (const event of events) emit(event);
          return count;
        });
      }
    }
  };

  engine.reportStatus = (event) => emit(event);

  engine.setFlows = (documents) => install(documents);

  engine.close = async () => {
    if (closed) return;
    closed = true;
    await queue.idle();
    closing.abort(engineError('ENGINE_CLOSED', 'the engine is closed'));
    hot.clear();
    await store.close();
  };

  return engine;
}

export type { OutboundMessage };
