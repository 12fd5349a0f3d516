import { generateFlow } from '@botpe/ai-nodes';
import { BotpeError } from '@botpe/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSetup, fakeClient, flow } from './support.js';

let setup: FakeSetup;
beforeEach(async () => {
  setup = await fakeClient();
});
afterEach(async () => {
  await setup.fake.close();
});

const valid = flow(
  [
    ['start', 'start'],
    ['route', 'ai.classify', { intents: [{ id: 'orders', description: 'Order questions' }] }],
    ['ask', 'question', { text: 'Your order number?', variable: 'order', input: { type: 'text' } }],
    ['bye', 'end', { text: 'We will look into order {{order}}.' }],
    ['sorry', 'end', { text: 'Sorry, something went wrong.' }],
    ['orphan', 'end', { text: 'Nothing leads here.' }],
  ],
  ['start->route', 'route:orders->ask', 'route:fallback->sorry', 'route:error->sorry', 'ask->bye'],
);
const dangling = {
  ...valid,
  edges: [...valid.edges, { id: 'bad', source: 'ask', sourceHandle: 'timeout', target: 'nowhere' }],
};

describe('generateFlow', () => {
  it('returns the first draft when it validates, with the round count, warnings and usage', async () => {
    setup.fake.reply({ text: JSON.stringify(valid) });
    const result = await generateFlow('Route order questions and ask for the order number.', {
      client: setup.client,
    });
    expect(result.rounds).toBe(1);
    expect(result.flow.id).toBe('test-flow');
    expect(result.warnings.map((warning) => warning.code)).toContain('node.unreachable');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    const body = setup.fake.lastBody();
    expect(body.messages).toEqual([
      { role: 'user', content: 'Route order questions and ask for the order number.' },
    ]);
    const system = JSON.stringify(body.system);
    expect(system).toContain('botpe.flow/v1');
    expect(system).toContain('ai.classify');
    expect(system).toContain('cache_control');
    expect(body.max_tokens).toBe(8000);
  });

  it("sends parseFlow's problems back until the flow validates", async () => {
    setup.fake.reply(
      { text: JSON.stringify(dangling) },
      { text: `Here it is:\n\`\`\`json\n${JSON.stringify(valid)}\n\`\`\`` },
    );
    const result = await generateFlow('A support flow', { client: setup.client });
    expect(result.rounds).toBe(2);
    const messages = setup.fake.lastBody().messages ?? [];
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[1]?.content).toBe(JSON.stringify(dangling));
    expect(String(messages[2]?.content)).toMatch(/edge\.danglingTarget \(edge bad\)/);
  });

  it('repairs an answer that is not JSON, and one cut by max_tokens', async () => {
    setup.fake.reply(
      { text: 'Sure! I would design it like this: a start node, then…' },
      { text: '{"schema": "botpe.flow/v1", "nodes": [', stopReason: 'max_tokens' },
      { text: JSON.stringify(valid) },
    );
    const result = await generateFlow('A support flow', { client: setup.client, maxRounds: 3 });
    expect(result.rounds).toBe(3);
    const messages = setup.fake.lastBody().messages ?? [];
    expect(String(messages[2]?.content)).toMatch(/not valid JSON/);
    expect(String(messages[4]?.content)).toMatch(/cut off/);
  });

  it('gives up after maxRounds with AI_FLOW_INVALID and the remaining problems', async () => {
    setup.fake.reply({ text: JSON.stringify(dangling) }, { text: JSON.stringify(dangling) });
    const error = await generateFlow('A support flow', { client: setup.client, maxRounds: 2 }).catch(
      (reason: unknown) => reason,
    );
    expect(BotpeError.isInstance(error) && error.code).toBe('AI_FLOW_INVALID');
    expect((error as BotpeError).details).toMatchObject({
      rounds: 2,
      errors: [expect.objectContaining({ code: 'edge.danglingTarget' })],
    });
    expect(setup.fake.requests).toHaveLength(2);
  });

  it('refuses an empty description and bad rounds, and passes provider errors through', async () => {
    await expect(generateFlow('  ', { client: setup.client })).rejects.toMatchObject({
      code: 'AI_CONFIG_INVALID',
    });
    await expect(generateFlow('x', { client: setup.client, maxRounds: 0 })).rejects.toMatchObject({
      code: 'AI_CONFIG_INVALID',
    });
    setup.fake.reply({ error: { status: 401 } });
    await expect(generateFlow('x', { client: setup.client })).rejects.toMatchObject({
      code: 'AI_AUTH_FAILED',
    });
  });
});

describe('generateFlow timeouts', () => {
  it("gives each draft its own timeout, not the client's shorter one", async () => {
    setup.fake.reply({ text: JSON.stringify(valid) });
    await generateFlow('A support flow', { client: setup.client, timeoutMs: 120_000 });
    expect(setup.fake.requests[0]?.headers['x-stainless-timeout']).toBe('120');
  });
});
