import { createEngine, createMemoryStore, type InboundEvent } from '@botpe/engine';
import { createFakeClock, createTestHarness } from '@botpe/engine/testing';
import { describe, expect, it } from 'vitest';

const conversation = { channel: 'test', botId: 'bot', userId: 'u1' };
let sequence = 0;
const text = (body: string): InboundEvent => ({
  conversation,
  message: { id: `m${++sequence}`, timestamp: 0, type: 'text', text: body },
});
const texts = (replies: Array<{ type: string }>) =>
  replies.map((reply) => ('text' in reply ? reply.text : reply.type));

const address = {
  schema: 'botpe.flow/v1',
  id: 'address',
  version: 1,
  nodes: [
    { id: 'start', type: 'start', data: { triggers: [{ type: 'keyword', keywords: ['__never__'] }] } },
    {
      id: 'street',
      type: 'question',
      data: { text: 'Street for {{who}}?', variable: 'street', input: { type: 'text' } },
    },
    {
      id: 'zip',
      type: 'question',
      data: { text: 'ZIP?', variable: 'zip', input: { type: 'regex', pattern: '^\\d{5}$' } },
    },
    { id: 'done', type: 'end', data: { text: 'Address saved' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'street' },
    { id: 'e2', source: 'street', target: 'zip' },
    { id: 'e3', source: 'zip', target: 'done' },
  ],
};

const order = (subflowTarget = 'address') => ({
  schema: 'botpe.flow/v1',
  id: 'order',
  version: 1,
  nodes: [
    { id: 'start', type: 'start', data: {} },
    {
      id: 'call',
      type: 'subflow',
      data: {
        flowId: subflowTarget,
        input: { who: '{{contact.name}}' },
        output: { shipping: 'street', postal: 'zip' },
      },
    },
    { id: 'confirm', type: 'end', data: { text: 'Shipping to {{shipping}} ({{postal}})' } },
    { id: 'failed', type: 'end', data: { text: 'Could not ask the address' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'call' },
    { id: 'e2', source: 'call', target: 'confirm' },
    { id: 'e3', source: 'call', sourceHandle: 'error', target: 'failed' },
  ],
});

describe('subflow', () => {
  it('runs another flow with mapped input, then returns its outputs to the caller', async () => {
    const bot = createTestHarness(order(), { flows: [address], contact: { name: 'Ana' } });
    await bot.send('hi');
    expect(texts(bot.lastReplies)).toEqual(['Street for Ana?']);
    await bot.send('Rua A, 10');
    await bot.send('12345');
    expect(texts(bot.lastReplies)).toEqual(['Address saved', 'Shipping to Rua A, 10 (12345)']);
    expect(bot.status).toBe('ended');
    expect(bot.variables).toMatchObject({ shipping: 'Rua A, 10', postal: '12345' });
    expect(bot.variables.street).toBeUndefined();
  });

  it('survives a restart in the middle of the subflow', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock();
    const first = createEngine({ flows: [order(), address], store, clock });
    await first.handle(text('hi'));
    await first.handle(text('Rua B'));
    const second = createEngine({ flows: [order(), address], store, clock });
    const result = await second.handle(text('54321'));
    expect(texts(result.outbound)).toEqual(['Address saved', 'Shipping to Rua B (54321)']);
  });

  it('takes error for an unknown flow, and when calls nest too deep', async () => {
    const bot = createTestHarness(order('missing'), { flows: [address] });
    await bot.send('hi');
    expect(texts(bot.lastReplies)).toEqual(['Could not ask the address']);

    const recursive = {
      schema: 'botpe.flow/v1',
      id: 'deep',
      version: 1,
      nodes: [
        { id: 'start', type: 'start', data: {} },
        { id: 'again', type: 'subflow', data: { flowId: 'deep' } },
        { id: 'too-deep', type: 'end', data: { text: 'too deep' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'again' },
        { id: 'e2', source: 'again', sourceHandle: 'error', target: 'too-deep' },
      ],
    };
    const deep = createTestHarness(recursive, { limits: { maxSubflowDepth: 3 } });
    const result = await deep.send('hi');
    expect(texts(result.outbound)).toEqual(['too deep']);
    expect(result.status).toBe('ended');
  });
});

const survey = (version: number, question: string, extra: Record<string, unknown> = {}) => ({
  schema: 'botpe.flow/v1',
  id: 'survey',
  version,
  ...extra,
  nodes: [
    { id: 'start', type: 'start', data: {} },
    {
      id: version === 3 ? 'rating' : 'score',
      type: 'question',
      data: { text: question, variable: 'score', input: { type: 'number' } },
    },
    { id: 'thanks', type: 'end', data: { text: `v${version} thanks for {{score}}` } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: version === 3 ? 'rating' : 'score' },
    { id: 'e2', source: version === 3 ? 'rating' : 'score', target: 'thanks' },
  ],
});

describe('versions', () => {
  it('a session keeps the version it started on; setFlows affects new sessions only', async () => {
    const engine = createEngine({ flows: [survey(1, 'Score 1-5?')], clock: createFakeClock() });
    const other = { channel: 'test', botId: 'bot', userId: 'u2' };
    await engine.handle(text('hi'));
    engine.setFlows([survey(2, 'Score 1-10?')]);
    const fresh = await engine.handle({
      conversation: other,
      message: { id: 'o1', timestamp: 0, type: 'text', text: 'hi' },
    });
    expect(texts(fresh.outbound)).toEqual(['Score 1-10?']);
    const pinned = await engine.handle(text('4'));
    expect(texts(pinned.outbound)).toEqual(['v1 thanks for 4']);
  });

  it('a declared migration moves live sessions to the new version, mapping node ids', async () => {
    const engine = createEngine({ flows: [survey(1, 'Score 1-5?')], clock: createFakeClock() });
    await engine.handle(text('hi'));
    engine.setFlows([survey(3, 'Rate us', { migrate: { from: [1, 2], nodes: { score: 'rating' } } })]);
    const result = await engine.handle(text('5'));
    expect(texts(result.outbound)).toEqual(['v3 thanks for 5']);
  });

  it('a version the engine does not hold is loaded through loadFlow', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock();
    await createEngine({ flows: [survey(1, 'Score 1-5?')], store, clock }).handle(text('hi'));
    const requested: string[] = [];
    const restarted = createEngine({
      flows: [survey(2, 'Score 1-10?')],
      store,
      clock,
      loadFlow: async (flowId, version) => {
        requested.push(`${flowId}@${version}`);
        return version === 1 ? survey(1, 'Score 1-5?') : undefined;
      },
    });
    const result = await restarted.handle(text('3'));
    expect(requested).toEqual(['survey@1']);
    expect(texts(result.outbound)).toEqual(['v1 thanks for 3']);
  });

  it('a session whose flow is gone ends, and the message starts the current flow', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock();
    await createEngine({ flows: [survey(1, 'Score 1-5?')], store, clock }).handle(text('hi'));
    const restarted = createEngine({ flows: [survey(2, 'Score 1-10?')], store, clock });
    const result = await restarted.handle(text('3'));
    expect(result.events.find((event) => event.type === 'session.ended')).toMatchObject({
      reason: 'flow-removed',
    });
    expect(texts(result.outbound)).toEqual(['Score 1-10?']);
  });

  it('rejects a migration to a node that does not exist', () => {
    expect(() =>
      createEngine({ flows: [survey(3, 'x', { migrate: { from: [1], nodes: { score: 'nope' } } })] }),
    ).toThrow(/does not exist/);
  });
});
