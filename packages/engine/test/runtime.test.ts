import {
  BotpeError,
  type ConversationRef,
  createEngine,
  createMemoryStore,
  type EngineEvent,
  type InboundEvent,
  type Store,
} from '@botpe/engine';
import { createFakeClock, createRecordingTransport } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';
import { echoFlow, reminderFlow } from './fixtures/flows.js';

const conversation: ConversationRef = { channel: 'test', botId: 'bot', userId: 'u1' };
const text = (id: string, body: string, who: ConversationRef = conversation): InboundEvent => ({
  conversation: who,
  message: { id, timestamp: 0, type: 'text', text: body },
});

/** A store whose next `count` saves throw, as a database that went away would. */
function flakyStore(inner: Store) {
  let failures = 0;
  const store: Store & { failSaves(count: number): void } = {
    ...inner,
    failSaves(count) {
      failures = count;
    },
    async save(record, expected) {
      if (failures > 0) {
        failures--;
        throw new Error('connection reset');
      }
      return inner.save(record, expected);
    },
  };
  return store;
}

const sentTexts = (transport: ReturnType<typeof createRecordingTransport>) =>
  transport.sent.map((sent) => (sent.message.type === 'text' ? sent.message.text : sent.message.type));

describe('exactly-once turns', () => {
  it('a duplicate delivery gives no second reply', async () => {
    const transport = createRecordingTransport();
    const engine = createEngine({ flows: [echoFlow], transport, clock: createFakeClock() });
    await engine.handle(text('m1', 'hi'));
    await engine.handle(text('m2', 'hello'));
    const again = await engine.handle(text('m2', 'hello'));
    expect(again.duplicate).toBe(true);
    expect(again.outbound).toEqual([]);
    expect(sentTexts(transport)).toEqual(['Say something', 'You said: hello', 'Say something']);
  });

  it('serialises concurrent deliveries for one conversation and loses none', async () => {
    const transport = createRecordingTransport();
    const engine = createEngine({ flows: [echoFlow], transport, clock: createFakeClock() });
    await engine.handle(text('m0', 'start'));
    const bodies = Array.from({ length: 20 }, (_, index) => `n${index}`);
    const results = await Promise.all(bodies.map((body) => engine.handle(text(`id-${body}`, body))));
    expect(results.every((result) => !result.duplicate)).toBe(true);
    const echoes = sentTexts(transport).filter((line) => line.startsWith('You said'));
    expect(echoes).toEqual(bodies.map((body) => `You said: ${body}`));
  });

  it('two engines on one store never interleave or lose a message (CAS)', async () => {
    const store = createMemoryStore();
    const transports = [createRecordingTransport(), createRecordingTransport()];
    const engines = transports.map((transport) =>
      createEngine({ flows: [echoFlow], store, transport, clock: createFakeClock() }),
    );
    await engines[0]!.handle(text('m0', 'start'));
    const bodies = Array.from({ length: 30 }, (_, index) => `x${index}`);
    // Every message is delivered to both engines at once: one processes it, the other sees a duplicate.
    await Promise.all(
      bodies.flatMap((body) => engines.map((engine) => engine.handle(text(`id-${body}`, body)))),
    );
    const echoes = transports
      .flatMap((transport) => sentTexts(transport))
      .filter((line) => line.startsWith('You said'));
    expect(echoes.sort()).toEqual(bodies.map((body) => `You said: ${body}`).sort());
    const record = await store.load('test:bot:u1');
    expect(record!.outbox).toEqual([]);
  });

  it('a store that fails one commit: the redelivery produces exactly one reply', async () => {
    const store = flakyStore(createMemoryStore());
    const transport = createRecordingTransport();
    const engine = createEngine({ flows: [echoFlow], store, transport, clock: createFakeClock() });
    await engine.handle(text('m1', 'hi'));
    store.failSaves(1);
    const failure = await engine.handle(text('m2', 'lost?')).catch((error: unknown) => error);
    expect(BotpeError.isInstance(failure) && failure.code).toBe('STORE_FAILED');
    expect(sentTexts(transport)).toEqual(['Say something']);
    await engine.handle(text('m2', 'lost?'));
    await engine.handle(text('m2', 'lost?'));
    expect(sentTexts(transport)).toEqual(['Say something', 'You said: lost?', 'Say something']);
  });

  it('a crash after commit: recover() delivers the outbox once', async () => {
    const store = createMemoryStore();
    const crashed = createRecordingTransport();
    // The first process commits, then its transport fails as if the process died before sending.
    crashed.failNext(new Error('process killed'), 10);
    const first = createEngine({ flows: [echoFlow], store, transport: crashed, clock: createFakeClock() });
    await first.handle(text('m1', 'hi'));
    expect(crashed.sent).toEqual([]);
    expect((await store.load('test:bot:u1'))!.outbox).toHaveLength(1);

    const transport = createRecordingTransport();
    const second = createEngine({ flows: [echoFlow], store, transport, clock: createFakeClock() });
    expect(await second.recover()).toBe(1);
    expect(await second.recover()).toBe(0);
    const redelivered = await second.handle(text('m1', 'hi'));
    expect(redelivered.duplicate).toBe(true);
    expect(sentTexts(transport)).toEqual(['Say something']);
    expect((await store.load('test:bot:u1'))!.outbox).toEqual([]);
  });

  it('drops a message the transport says can never be delivered, and goes on', async () => {
    const transport = createRecordingTransport();
    transport.failNext(new BotpeError('WINDOW_CLOSED', 'outside the window', { retryable: false }));
    const engine = createEngine({ flows: [echoFlow], transport, clock: createFakeClock() });
    const events: EngineEvent[] = [];
    engine.on('message.failed', (event) => events.push(event));
    const result = await engine.handle(text('m1', 'hi'));
    expect(result.events.map((event) => event.type)).toContain('message.failed');
    expect(events).toHaveLength(1);
    expect(await engine.recover()).toBe(0);
  });

  it('gives each outbox entry a stable idempotency key', async () => {
    const transport = createRecordingTransport();
    const engine = createEngine({ flows: [echoFlow], transport, clock: createFakeClock() });
    await engine.handle(text('m1', 'hi'));
    expect(transport.sent.map((sent) => sent.idempotencyKey)).toEqual(['test:bot:u1:1:0']);
  });
});

describe('routing and lifecycle', () => {
  it('an unmatched first message is unrouted and creates no session', async () => {
    const store = createMemoryStore();
    const engine = createEngine({ flows: [reminderFlow], store, clock: createFakeClock() });
    const result = await engine.handle(text('m1', 'hello'));
    expect(result.status).toBe('unrouted');
    expect(await store.load('test:bot:u1')).toBeNull();
  });

  it('without a transport, the step returns its replies and nothing stays queued', async () => {
    const store = createMemoryStore();
    const engine = createEngine({ flows: [echoFlow], store, clock: createFakeClock() });
    const result = await engine.handle(text('m1', 'hi'));
    expect(result.outbound).toEqual([{ type: 'text', text: 'Say something' }]);
    expect((await store.load('test:bot:u1'))!.outbox).toEqual([]);
    expect(await store.pendingOutbox(10)).toEqual([]);
  });

  it('rejects a malformed inbound event with a typed error', async () => {
    const engine = createEngine({ flows: [echoFlow], clock: createFakeClock() });
    const bad = {
      conversation: { channel: 'test', botId: '', userId: 'u' },
      message: { type: 'text' },
    } as unknown as InboundEvent;
    const error = await engine.handle(bad).catch((caught: unknown) => caught);
    expect(BotpeError.isInstance(error) && error.code).toBe('EVENT_INVALID');
  });

  it('rejects an invalid flow at creation with every problem', () => {
    const broken = {
      ...echoFlow,
      edges: [...echoFlow.edges, { id: 'e9', source: 'ask', sourceHandle: 'nope', target: 'zzz' }],
    };
    try {
      createEngine({ flows: [broken] });
      expect.unreachable();
    } catch (error) {
      expect(BotpeError.isInstance(error) && error.code).toBe('FLOW_INVALID');
      const issues = (error as BotpeError).details!.errors as Array<{ code: string }>;
      expect(issues.map((issue) => issue.code).sort()).toEqual(['edge.danglingTarget', 'edge.unknownHandle']);
    }
  });
});

describe('timers', () => {
  it('fire on time, and stale ones never', async () => {
    const clock = createFakeClock();
    const transport = createRecordingTransport();
    const engine = createEngine({ flows: [reminderFlow], transport, clock });
    await engine.handle(text('m1', 'remind'));
    clock.advance('9m59s');
    expect(await engine.tick()).toEqual([]);
    clock.advance('1s');
    const fired = await engine.tick();
    expect(fired).toHaveLength(1);
    expect(sentTexts(transport)).toEqual(['Your name?', 'Still there?', 'Your name?']);
    // Answer: the question's timeout is replaced by the delay's timer; the old one must never fire.
    await engine.handle(text('m2', 'Ana'));
    clock.advance('4m');
    expect(await engine.tick()).toEqual([]);
    clock.advance('1m');
    await engine.tick();
    clock.advance('30m');
    expect(await engine.tick()).toEqual([]);
    expect(sentTexts(transport)).toEqual(['Your name?', 'Still there?', 'Your name?', 'Thanks Ana']);
  });

  it('a timer survives a restart: a new engine on the same store fires it', async () => {
    const clock = createFakeClock();
    const store = createMemoryStore();
    await createEngine({ flows: [reminderFlow], store, clock }).handle(text('m1', 'remind'));
    const transport = createRecordingTransport();
    const restarted = createEngine({ flows: [reminderFlow], store, transport, clock });
    clock.advance('10m');
    await restarted.tick();
    expect(sentTexts(transport)).toEqual(['Still there?', 'Your name?']);
  });

  it('an idle session expires after sessionTimeout and the next message starts afresh', async () => {
    const clock = createFakeClock();
    const engine = createEngine({ flows: [reminderFlow], clock });
    const events: string[] = [];
    engine.on('session.ended', (event) => events.push((event as { reason: string }).reason));
    await engine.handle(text('m1', 'remind'));
    await engine.handle(text('m2', 'Ana'));
    // In the delay node now; the session expires before anyone comes back.
    clock.advance('2h');
    const expired = await engine.handle(text('m3', 'remind'));
    expect(events).toContain('expired');
    expect(expired.outbound).toEqual([{ type: 'text', text: 'Your name?' }]);
    expect(expired.variables.name).toBeUndefined();
  });

  it('tick() ends an expired session through its expiry timer', async () => {
    const clock = createFakeClock();
    const store = createMemoryStore();
    const engine = createEngine({ flows: [reminderFlow], store, clock });
    await engine.handle(text('m1', 'remind'));
    await engine.handle(text('m2', 'Ana'));
    clock.advance('5m');
    await engine.tick(); // the delay fires and the flow ends
    expect((await store.load('test:bot:u1'))!.status).toBe('ended');
    await engine.handle(text('m3', 'remind'));
    clock.advance('61m');
    const results = await engine.tick();
    expect(results.flatMap((result) => result.events).some((event) => event.type === 'session.ended')).toBe(
      true,
    );
    expect((await store.load('test:bot:u1'))!.status).toBe('ended');
  });
});

describe('the loop guard', () => {
  it('ends a conversation that loops through effects without waiting', async () => {
    const { defineNode } = await import('@botpe/engine');
    const { z } = await import('zod');
    const ping = defineNode({
      type: 'test.ping',
      data: z.object({}),
      handles: () => [{ id: 'success' }, { id: 'error' }],
      waits: () => true, // claims to wait, so validation lets the loop through
      enter: () => ({ effect: { request: null } }),
      runEffect: async () => 'pong',
    });
    const flow = {
      schema: 'botpe.flow/v1',
      id: 'loop',
      version: 1,
      nodes: [
        { id: 'start', type: 'start', data: {} },
        { id: 'ping', type: 'test.ping', data: {} },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'ping' },
        { id: 'e2', source: 'ping', sourceHandle: 'success', target: 'ping' },
        { id: 'e3', source: 'ping', sourceHandle: 'error', target: 'ping' },
      ],
    };
    const engine = createEngine({
      flows: [flow],
      nodes: [ping],
      limits: { maxTransitionsPerStep: 50 },
      clock: createFakeClock(),
    });
    const result = await engine.handle(text('m1', 'go'));
    expect(result.status).toBe('ended');
    expect(result.events.find((event) => event.type === 'error')).toMatchObject({ code: 'LOOP_LIMIT' });
  });
});

describe('a node that throws', () => {
  it('ends the conversation with a node.failed event, and the next message starts afresh', async () => {
    const { defineNode } = await import('@botpe/engine');
    const { z } = await import('zod');
    const broken = defineNode({
      type: 'test.broken',
      data: z.object({}),
      handles: () => [{ id: 'out' }],
      waits: () => true,
      enter: () => ({ send: [{ type: 'text', text: 'Type something' }], wait: {} }),
      onInput: () => {
        throw new Error('bug in a custom node');
      },
    });
    const flow = {
      schema: 'botpe.flow/v1',
      id: 'broken',
      version: 1,
      nodes: [
        { id: 'start', type: 'start', data: {} },
        { id: 'b', type: 'test.broken', data: {} },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'b' }],
    };
    const engine = createEngine({ flows: [flow], nodes: [broken], clock: createFakeClock() });
    await engine.handle(text('m1', 'hi'));
    const failed = await engine.handle(text('m2', 'boom'));
    expect(failed.status).toBe('ended');
    expect(failed.events.find((event) => event.type === 'node.failed')).toMatchObject({
      nodeId: 'b',
      message: 'bug in a custom node',
    });
    expect(failed.events.find((event) => event.type === 'session.ended')).toMatchObject({
      reason: 'node-failed',
    });
    const again = await engine.handle(text('m3', 'hi'));
    expect(again.outbound).toEqual([{ type: 'text', text: 'Type something' }]);
  });
});
