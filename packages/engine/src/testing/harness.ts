import type { Duration } from '../flow/duration.js';
import type { ConversationRef, InboundMessage, OutboundMessage } from '../messages.js';
import type { ActionHandler, AnyNodeDefinition, HttpOptions } from '../nodes/define.js';
import type { Store } from '../ports/store.js';
import { createEngine, type EngineLimits } from '../runtime/engine.js';
import { createMemoryStore } from '../runtime/memory-store.js';
import type { Engine, StepResult, StepStatus } from '../runtime/types.js';
import { createFakeClock, type FakeClock } from './fake-clock.js';
import { createRecordingTransport, type RecordingTransport } from './recording-transport.js';

export interface TestHarnessOptions {
  /** Other flows the engine knows (subflows, or flows other triggers pick). */
  flows?: readonly unknown[];
  nodes?: readonly AnyNodeDefinition[];
  actions?: Record<string, ActionHandler>;
  http?: HttpOptions;
  contact?: { name?: string; id?: string };
  /** Default: a memory store. */
  store?: Store;
  /** Start time (ms). */
  now?: number;
  limits?: EngineLimits;
}

/** A message as a test writes it: its text, or any inbound message without id and timestamp. */
export type TestMessage = string | DistributiveOmit<InboundMessage, 'id' | 'timestamp'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface TestHarness {
  /** Sends a user message; resolves with the step's result. */
  send(message: TestMessage): Promise<StepResult>;
  /** Taps a reply button by id. */
  click(buttonId: string): Promise<StepResult>;
  /** Picks a list row by id. */
  choose(rowId: string): Promise<StepResult>;
  /** Moves the fake clock and fires due timers. */
  advance(duration: Duration): Promise<StepResult[]>;
  /** Ends a handoff. */
  release(variables?: Record<string, unknown>): Promise<StepResult>;
  /** Every reply sent so far, in order. */
  readonly replies: OutboundMessage[];
  /** The replies of the last step (or the last advance). */
  readonly lastReplies: OutboundMessage[];
  readonly variables: Record<string, unknown>;
  readonly status: StepStatus | null;
  readonly nodeId: string | null;
  readonly engine: Engine;
  readonly clock: FakeClock;
  readonly transport: RecordingTransport;
  readonly conversation: ConversationRef;
}

/**
 * An engine with a memory store, a fake clock and a recording transport, talking as one user.
 *
 * @example
 * const bot = createTestHarness(pizzaFlow);
 * await bot.send('hi');
 * await bot.click('large');
 * expect(bot.variables.size).toBe('large');
 * await bot.advance('10m');
 */
export function createTestHarness(flow: unknown, options: TestHarnessOptions = {}): TestHarness {
  const clock = createFakeClock(options.now);
  const transport = createRecordingTransport({ channel: 'test' });
  const engine = createEngine({
    flows: [flow, ...(options.flows ?? [])],
    store: options.store ?? createMemoryStore(),
    transport,
    clock,
    ...(options.nodes ? { nodes: options.nodes } : {}),
    ...(options.actions ? { actions: options.actions } : {}),
    ...(options.http ? { http: options.http } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const conversation: ConversationRef = {
    channel: 'test',
    botId: 'bot',
    userId: options.contact?.id ?? 'user',
  };
  let sequence = 0;
  let last: StepResult | null = null;
  let lastReplies: OutboundMessage[] = [];

  const record = (result: StepResult) => {
    last = result;
    lastReplies = result.outbound;
    return result;
  };

  const send = async (message: TestMessage) => {
    sequence++;
    const body = typeof message === 'string' ? { type: 'text' as const, text: message } : message;
    return record(
      await engine.handle({
        conversation,
        ...(options.contact?.name !== undefined ? { contact: { name: options.contact.name } } : {}),
        message: { ...body, id: `test-${sequence}`, timestamp: clock.now() } as InboundMessage,
      }),
    );
  };

  /** The title a button or row had in the last interactive reply, as a real client would send it. */
  const titleOf = (id: string) => {
    for (const reply of [...transport.sent].reverse()) {
      const { message } = reply;
      if (message.type === 'buttons') {
        const button = message.buttons.find((candidate) => candidate.id === id);
        if (button) return button.title;
      }
      if (message.type === 'list') {
        for (const section of message.sections) {
          const row = section.rows.find((candidate) => candidate.id === id);
          if (row) return row.title;
        }
      }
    }
    return id;
  };

  return {
    send,
    click: (buttonId) => send({ type: 'button', buttonId, text: titleOf(buttonId) }),
    choose: (rowId) => send({ type: 'list', rowId, text: titleOf(rowId) }),
    async advance(duration) {
      clock.advance(duration);
      const results = await engine.tick();
      if (results.length > 0) last = results.at(-1)!;
      lastReplies = results.flatMap((result) => result.outbound);
      return results;
    },
    async release(variables) {
      return record(await engine.release(conversation, variables ? { variables } : {}));
    },
    get replies() {
      return transport.sent.map((sent) => sent.message);
    },
    get lastReplies() {
      return lastReplies;
    },
    get variables() {
      return last?.variables ?? {};
    },
    get status() {
      return last?.status ?? null;
    },
    get nodeId() {
      return last?.nodeId ?? null;
    },
    engine,
    clock,
    transport,
    conversation,
  };
}
