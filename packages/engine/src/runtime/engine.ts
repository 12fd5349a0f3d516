import { EventEmitter } from 'eventemitter3';
import { initialTransition, transition } from 'xstate';
import { type CompiledFlow, compileFlow, HALTED_STATE } from '../compile/compile.js';
import { type EventMeta, type FlowContext, type FlowEvent, persistedContext, stepContext } from '../compile/context.js';
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
import type { OutboxEntry, SessionRecord, Store, TimerEntry } from '../ports/store.js';
import type { Transport } from '../ports/transport.js';
import { createMemoryStore } from './memory-store.js';
import { KeyedQueue } from './queue.js';
import type { Engine, EngineEvent, EngineEventMap, StepResult, StepStatus } from './types.js';

export interface EngineLimits {
  /** Node entries allowed in one step before the loop guard ends the conversation. Default 500. */
  maxTransitionsPerStep?: number;
  /** An effect's deadline when its node sets none. Default 10 000 ms. */
  effectTimeoutMs?: number;
  /** How many recent inbound ids a session remembers for duplicate detection. Default 50. */
  processedIds?: number;
  /** How often a step is redone after losing a CAS race before it fails. Default 25. */
  maxCommitAttempts?: number;
  /** Sessions kept in the hot-session cache (0 turns it off). Default 10 000. */
  hotSessions?: number;
}

export interface EngineOptions {
  /** Flow documents (as the editor saves them). The first whose start triggers match picks a new conversation. */
  flows: readonly unknown[];
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
      if (typeof conversation[field] !== 'string' || conversation[field] === '') problems.push(`conversation.${field} must be a non-empty string`);
    }
  }
  if (!message || typeof message !== 'object') problems.push('message is missing');
  else {
    if (typeof message.id !== 'string' || message.id === '') problems.push('message.id must be a non-empty string');
    if (typeof message.type !== 'string') problems.push('message.type must be a string');
    if (typeof message.timestamp !== 'number' || !Number.isFinite(message.timestamp)) problems.push('message.timestamp must be a number (ms)');
  }
  if (problems.length > 0) throw engineError('EVENT_INVALID', `invalid inbound event: ${problems.join('; ')}`, { details: { problems } });
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
    processedIds: options.limits?.processedIds ?? 50,
    maxCommitAttempts: options.limits?.maxCommitAttempts ?? 25,
    hotSessions: options.limits?.hotSessions ?? 10_000,
  };
  const actions = options.actions ?? {};
  const compileOptions = {
    ...(options.nodes ? { nodes: options.nodes } : {}),
    ...(options.actions ? { actions: Object.keys(options.actions) } : {}),
    maxTransitionsPerStep: limits.maxTransitionsPerStep,
  };

  const flows: CompiledFlow[] = [];
  const byVersion = new Map<string, CompiledFlow>();
  const latest = new Map<string, CompiledFlow>();
  for (const document of options.flows) {
    const compiled = compileFlow(document, compileOptions);
    flows.push(compiled);
    byVersion.set(`${compiled.flow.id}@${compiled.flow.version}`, compiled);
    const current = latest.get(compiled.flow.id);
    if (!current || current.flow.version < compiled.flow.version) latest.set(compiled.flow.id, compiled);
  }
  const routable = [...latest.values()];

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
      throw engineError('STORE_FAILED', `the ${store.name} store failed to ${what}: ${describeError(error)}`, { cause: error, retryable: true });
    }
  };

  /** Loads (or takes from the hot cache), computes, and commits with CAS; redoes the step on a conflict. */
  async function commit(key: string, compute: Compute): Promise<{ result: StepResult; added: OutboxEntry[]; record: SessionRecord | null; attempts: number }> {
    for (let attempt = 1; attempt <= limits.maxCommitAttempts; attempt++) {
      const cached = attempt === 1 ? hot.get(key) : undefined;
      const current = cached ?? (await storeCall('load a session', () => store.load(key)));
      const plan = await compute(current, clock.now());
      if (!isPlan(plan)) return { result: plan, added: [], record: current, attempts: attempt };
      if (plan.record === null) return { result: plan.result, added: [], record: current, attempts: attempt };
      const saved = await storeCall('save a session', () => store.save(plan.record!, current?.version ?? null));
      if (saved) {
        remember(plan.record);
        return { result: plan.result, added: plan.added, record: plan.record, attempts: attempt };
      }
      hot.delete(key);
    }
    throw engineError('STORE_CONFLICT_LIMIT', `gave up after ${limits.maxCommitAttempts} conflicting commits`, {
      retryable: true,
      details: { conversationKey: key },
    });
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
  async function deliver(record: SessionRecord, entries: OutboxEntry[], events: EngineEvent[]): Promise<number> {
    const done: string[] = [];
    for (const entry of entries) {
      try {
        const receipt = await transport!.send(record.conversation, entry.message, { idempotencyKey: entry.id, signal: closing.signal });
        events.push({ type: 'message.sent', conversationKey: record.key, outboxId: entry.id, providerMessageId: receipt.providerMessageId });
        done.push(entry.id);
      } catch (error) {
        const code = BotpeError.isInstance(error) ? error.code : 'TRANSPORT_FAILED';
        if (BotpeError.isInstance(error) && !error.retryable) {
          // It can never be delivered: drop it rather than block the conversation's later replies.
          events.push({ type: 'message.failed', conversationKey: record.key, outboxId: entry.id, code, message: describeError(error) });
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
      const current = (attempt === 1 ? hot.get(key) : undefined) ?? (await storeCall('load a session', () => store.load(key)));
      if (!current || !current.outbox.some((entry) => delivered.has(entry.id))) return;
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
  async function runEffect(compiled: CompiledFlow, context: FlowContext, meta: EventMeta, key: string, version: number, events: EngineEvent[]): Promise<EffectResult> {
    const request = context.effect!;
    const { node, definition } = compiled.node(request.nodeId)!;
    const timeoutMs = request.timeoutMs ?? limits.effectTimeoutMs;
    const controller = new AbortController();
    const onClose = () => controller.abort(closing.signal.reason);
    closing.signal.addEventListener('abort', onClose);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const failure = (code: string, message: string): EffectResult => {
      events.push({ type: 'effect.failed', conversationKey: key, nodeId: request.nodeId, code, message });
      return { ok: false, error: { code, message } };
    };
    try {
      if (!definition.runEffect) return failure('EFFECT_FAILED', `node type "${node.type}" asked for an effect but has no runEffect`);
      const timeout = new Promise<EffectResult>((resolve) => {
        timer = setTimeout(() => {
          controller.abort(engineError('EFFECT_TIMEOUT', `effect of node "${request.nodeId}" timed out after ${timeoutMs} ms`));
          resolve(failure('EFFECT_TIMEOUT', `timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      });
      const work = definition
        .runEffect(request.request, {
          nodeId: request.nodeId,
          data: node.data,
          conversation: meta.conversation,
          variables: context.variables,
          idempotencyKey: `${key}:${version}:${request.nodeId}`,
          signal: controller.signal,
          deadline: meta.now + timeoutMs,
          services: { actions, http: options.http ?? {} },
        })
        .then(
          (value): EffectResult => ({ ok: true, value }),
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

  /**
   * Drives the machine: one event, then the effects it asks for, until it waits or ends.
   * Returns the plan to commit.
   */
  async function drive(
    compiled: CompiledFlow,
    first: (meta: EventMeta) => Snapshot,
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
    let snapshot = first(meta);
    while (snapshot.status === 'active' && snapshot.context.effect) {
      const result = await runEffect(compiled, snapshot.context, meta, key, version, events);
      const event: FlowEvent = { type: 'flow.effect', nodeId: snapshot.context.effect.nodeId, result, meta };
      snapshot = transition(compiled.machine, snapshot, event)[0];
    }
    const context = snapshot.context;
    const flow = compiled.flow;
    for (const nodeId of context.entered.slice(0, limits.maxTransitionsPerStep)) {
      events.push({ type: 'node.entered', conversationKey: key, flowId: flow.id, nodeId, nodeType: compiled.node(nodeId)!.node.type });
    }
    for (const { type, nodeId, ...fields } of context.events) {
      events.push({ ...fields, type: type as `node.${string}`, conversationKey: key, nodeId });
    }
    const stateValue = String(snapshot.value);
    const ended = snapshot.status === 'done';
    if (stateValue === HALTED_STATE) {
      events.push({
        type: 'error',
        conversationKey: key,
        code: 'LOOP_LIMIT',
        message: `more than ${limits.maxTransitionsPerStep} node entries in one step; the conversation was ended`,
      });
    }
    if (ended) events.push({ type: 'session.ended', conversationKey: key, flowId: flow.id, reason: context.endReason ?? 'end' });
    const nodeId = ended ? (context.entered.at(-1) ?? null) : compiled.nodeOf(stateValue)!;

    const timers: TimerEntry[] = ended ? [] : context.timers.map((timer) => ({ id: timer.id, at: timer.at, kind: 'node' as const }));
    const sessionTimeout = flow.settings.sessionTimeout === undefined ? null : parseDuration(flow.settings.sessionTimeout);
    // The idle clock restarts on activity only: a reminder loop must not keep a session alive forever.
    const previousExpiry = record?.state ? record.timers.find((timer) => timer.kind === 'expire') : undefined;
    if (!ended && sessionTimeout !== null) {
      timers.push(!active && previousExpiry ? previousExpiry : { id: `expire:${version}`, at: now + sessionTimeout, kind: 'expire' });
    }

    const added: OutboxEntry[] = transport
      ? context.outbound.map((message, index) => ({ id: `${key}:${version}:${index}`, message, createdAt: now }))
      : [];
    const processed = processedId === null ? (record?.processed ?? []) : [...(record?.processed ?? []), processedId].slice(-limits.processedIds);
    const status: StepStatus = ended ? 'ended' : context.status;
    const next: SessionRecord = {
      key,
      conversation,
      version,
      status,
      state: ended
        ? null
        : { schemaVersion: 1, flowId: flow.id, flowVersion: flow.version, node: nodeId!, context: persistedContext(context) },
      timers,
      dueAt: timers.length === 0 ? null : Math.min(...timers.map((timer) => timer.at)),
      outbox: [...(record?.outbox ?? []), ...added],
      processed,
      updatedAt: now,
    };
    return {
      record: next,
      added,
      result: { outbound: context.outbound, status, nodeId, variables: context.variables, events, duplicate: false },
    };
  }

  /** The compiled flow a live session is pinned to, or null if it is gone. */
  const pinned = (record: SessionRecord | null) => {
    if (!record?.state || record.status === 'ended') return null;
    return byVersion.get(`${record.state.flowId}@${record.state.flowVersion}`) ?? null;
  };

  /** The session's snapshot, restored from the record. */
  const restore = (compiled: CompiledFlow, record: SessionRecord) => {
    const state = compiled.stateOf(record.state!.node);
    if (!state) throw engineError('SESSION_CORRUPT', `session ${record.key} is at node "${record.state!.node}", which flow "${compiled.flow.id}" does not have`);
    return compiled.machine.resolveState({ value: state, context: stepContext(record.state!.context) });
  };

  /** Ends a live session whose flow is gone or whose idle time ran out; returns the record as if it had ended. */
  const expireIfDue = (record: SessionRecord | null, now: number, events: EngineEvent[]): SessionRecord | null => {
    if (!record?.state || record.status === 'ended') return record;
    const expired = record.timers.some((timer) => timer.kind === 'expire' && timer.at <= now);
    const gone = pinned(record) === null;
    if (!expired && !gone) return record;
    events.push({ type: 'session.ended', conversationKey: record.key, flowId: record.state.flowId, reason: expired ? 'expired' : 'flow-removed' });
    return { ...record, status: 'ended', state: null, timers: [], dueAt: null };
  };

  const initialVariables = (compiled: CompiledFlow, conversation: ConversationRef, contact: { name?: string } | undefined, extra: Record<string, unknown>) => {
    const variables: Record<string, unknown> = {};
    for (const variable of compiled.flow.variables) if (variable.default !== undefined) variables[variable.name] = variable.default;
    return {
      ...variables,
      contact: { id: conversation.userId, ...(contact?.name !== undefined ? { name: contact.name } : {}) },
      $locale: compiled.defaultLocale,
      ...extra,
    };
  };

  const noChange = (record: SessionRecord | null, status: StepStatus, events: EngineEvent[], duplicate: boolean): StepResult => ({
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
    return step(conversation, async (stored, now) => {
      const events: EngineEvent[] = [];
      if (stored?.processed.includes(message.id)) return noChange(stored, stored.status === 'active' ? 'waiting' : (stored.status as StepStatus), events, true);
      events.push({ type: 'message.received', conversationKey: key, messageId: message.id, messageType: message.type });
      const record = expireIfDue(stored, now, events);
      const compiled = pinned(record);
      if (compiled && record) {
        const snapshot = restore(compiled, record);
        return drive(compiled, (meta) => transition(compiled.machine, snapshot, { type: 'flow.input', message, meta })[0], record, conversation, now, events, message.id);
      }
      const chosen = routable.find((candidate) => startMatches(candidate.start.data, message));
      if (!chosen) {
        // Nothing to run; an expired session is still closed so its timers stop.
        if (record !== stored && record) return { record: { ...record, version: record.version + 1, updatedAt: now }, added: [], result: noChange(null, 'unrouted', events, false) };
        return noChange(null, 'unrouted', events, false);
      }
      events.push({ type: 'session.started', conversationKey: key, flowId: chosen.flow.id, flowVersion: chosen.flow.version });
      const variables = initialVariables(chosen, conversation, event.contact, { $input: inboundText(message) });
      return drive(chosen, (meta) => initialTransition(chosen.machine, { variables, meta })[0], record, conversation, now, events, message.id);
    });
  };

  engine.start = async (conversation, { flowId, variables = {}, contact }) => {
    const chosen = latest.get(flowId);
    if (!chosen) throw engineError('FLOW_NOT_FOUND', `no flow "${flowId}"`, { details: { flowId } });
    const key = conversationKey(conversation);
    return step(conversation, async (stored, now) => {
      const events: EngineEvent[] = [];
      if (stored?.state && stored.status !== 'ended') {
        events.push({ type: 'session.ended', conversationKey: key, flowId: stored.state.flowId, reason: 'replaced' });
      }
      events.push({ type: 'session.started', conversationKey: key, flowId: chosen.flow.id, flowVersion: chosen.flow.version });
      const initial = initialVariables(chosen, conversation, contact, variables);
      return drive(chosen, (meta) => initialTransition(chosen.machine, { variables: initial, meta })[0], stored, conversation, now, events, null);
    });
  };

  engine.release = async (conversation, { variables = {} } = {}) =>
    step(conversation, async (stored, now) => {
      const events: EngineEvent[] = [];
      const record = expireIfDue(stored, now, events);
      const compiled = pinned(record);
      if (!compiled || !record || record.status !== 'handoff') return noChange(record, record?.state ? (record.status as StepStatus) : 'ended', events, false);
      const snapshot = restore(compiled, record);
      return drive(compiled, (meta) => transition(compiled.machine, snapshot, { type: 'flow.release', variables, meta })[0], record, conversation, now, events, null);
    });

  /** Fires the earliest due timer of one session, if it still has one. */
  const fireTimer = (conversation: ConversationRef) =>
    step(conversation, async (stored, now) => {
      const events: EngineEvent[] = [];
      const due = stored?.timers.filter((timer) => timer.at <= now).sort((a, b) => a.at - b.at)[0];
      if (!stored || !due) return noChange(stored, 'waiting', events, false);
      const key = stored.key;
      if (due.kind === 'expire') {
        const ended = expireIfDue(stored, now, events)!;
        events.push({ type: 'timer.fired', conversationKey: key, timerId: due.id, stale: false });
        return { record: { ...ended, version: stored.version + 1, updatedAt: now }, added: [], result: noChange(null, 'ended', events, false) };
      }
      const compiled = pinned(stored);
      const live = compiled ? stored.state!.context.timers.some((timer) => timer.id === due.id) : false;
      events.push({ type: 'timer.fired', conversationKey: key, timerId: due.id, stale: !live });
      if (!compiled || !live) {
        const timers = stored.timers.filter((timer) => timer !== due);
        const record = { ...stored, version: stored.version + 1, timers, dueAt: timers.length ? Math.min(...timers.map((timer) => timer.at)) : null };
        return { record, added: [], result: noChange(stored, stored.status as StepStatus, events, false) };
      }
      const snapshot = restore(compiled, stored);
      return drive(compiled, (meta) => transition(compiled.machine, snapshot, { type: 'flow.timer', timerId: due.id, meta })[0], stored, stored.conversation, now, events, null, false);
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
      results.push(...progressed.filter((result) => result.events.some((event) => event.type === 'timer.fired')));
      if (!progressed.some((result) => result.events.some((event) => event.type === 'timer.fired'))) break;
    }
    return results;
  };

  engine.recover = async ({ olderThanMs = 0 } = {}) => {
    if (!transport) return 0;
    let delivered = 0;
    const attempted = new Set<string>();
    for (;;) {
      const keys = (await storeCall('list outboxes', () => store.pendingOutbox(100))).filter((key) => !attempted.has(key));
      if (keys.length === 0) return delivered;
      for (const key of keys) {
        attempted.add(key);
        const record = await storeCall('load a session', () => store.load(key));
        if (!record) continue;
        delivered += await queue.run(key, async () => {
          const fresh = await storeCall('load a session', () => store.load(key));
          if (!fresh) return 0;
          remember(fresh);
          const cutoff = clock.now() - olderThanMs;
          const events: EngineEvent[] = [];
          const count = await deliver(fresh, fresh.outbox.filter((entry) => entry.createdAt <= cutoff), events);
          for (const event of events) emit(event);
          return count;
        });
      }
    }
  };

  engine.reportStatus = (event) => emit(event);

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
