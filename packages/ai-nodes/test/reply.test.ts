import { aiNodes } from '@botpe/ai-nodes';
import { parseFlow } from '@botpe/engine';
import { createTestHarness } from '@botpe/engine/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventsOf, type FakeSetup, fakeClient, flow, texts } from './support.js';

let setup: FakeSetup;
beforeEach(async () => {
  setup = await fakeClient();
});
afterEach(async () => {
  await setup.fake.close();
});

/** start → ai.reply → "Anything else?" (waits) → back to ai.reply; error → apology. */
const chat = (reply: Record<string, unknown> = {}) =>
  flow(
    [
      ['start', 'start'],
      [
        'answer',
        'ai.reply',
        { system: 'You are the help desk of Acme. The customer is {{contact.name}}.', ...reply },
      ],
      ['more', 'question', { text: 'Anything else?', variable: 'more', input: { type: 'text' } }],
      ['sorry', 'end', { text: 'Sorry, I cannot answer right now. An agent will call you back.' }],
    ],
    ['start->answer', 'answer->more', 'answer:error->sorry', 'more->answer'],
  );

describe('ai.reply', () => {
  it('answers with the cached, interpolated system prompt and the customer text in the user turn', async () => {
    setup.fake.reply({ text: 'Hello Ada! How can I help?' });
    const bot = createTestHarness(chat(), {
      nodes: aiNodes({ client: setup.client }),
      contact: { name: 'Ada' },
    });
    const result = await bot.send('hi there');
    expect(texts(result.outbound)).toEqual(['Hello Ada! How can I help?', 'Anything else?']);
    const body = setup.fake.lastBody();
    expect(body.system).toEqual([
      {
        type: 'text',
        text: 'You are the help desk of Acme. The customer is Ada.',
        cache_control: { type: 'ephemeral' },
      },
    ]);
    expect(body.messages).toEqual([{ role: 'user', content: 'hi there' }]);
    expect(body.max_tokens).toBe(1024);
    expect(body.metadata?.user_id).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(body)).not.toContain('"user"}'); // no raw conversation id in metadata
  });

  it('keeps a bounded history in $ai.history and sends it along', async () => {
    setup.fake.reply({ text: 'A1' }, { text: 'A2' }, { text: 'A3' });
    const bot = createTestHarness(chat({ historyTurns: 1 }), { nodes: aiNodes({ client: setup.client }) });
    await bot.send('Q1');
    await bot.send('Q2');
    expect(setup.fake.lastBody().messages).toEqual([
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ]);
    await bot.send('Q3');
    // One turn of history: Q1/A1 dropped.
    expect(setup.fake.lastBody().messages).toEqual([
      { role: 'user', content: 'Q2' },
      { role: 'assistant', content: 'A2' },
      { role: 'user', content: 'Q3' },
    ]);
    expect((bot.variables.$ai as { history: unknown[] }).history).toEqual([
      { role: 'user', text: 'Q3' },
      { role: 'assistant', text: 'A3' },
    ]);
  });

  it('reports usage and latency in an ai.usage event and counts tokens in $ai.tokens', async () => {
    setup.fake.reply({
      text: 'ok',
      usage: {
        input_tokens: 100,
        output_tokens: 20,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 50,
      },
    });
    const bot = createTestHarness(chat(), { nodes: aiNodes({ client: setup.client }) });
    const result = await bot.send('hi');
    const [usage] = eventsOf(result, 'ai.usage');
    expect(usage).toMatchObject({
      nodeId: 'answer',
      node: 'ai.reply',
      model: 'claude-haiku-4-5',
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 0,
      cacheWriteTokens: 50,
      conversationTokens: 170,
      requestId: 'req_fake_0001',
    });
    expect(usage?.latencyMs).toEqual(expect.any(Number));
    expect((bot.variables.$ai as { tokens: number }).tokens).toBe(170);
  });

  it('splits a long reply into WhatsApp-sized messages', async () => {
    const paragraph = `${'word '.repeat(700).trim()}.`; // ~3500 characters
    setup.fake.reply({ text: `${paragraph}\n\n${paragraph}\n\n${paragraph}` });
    const bot = createTestHarness(chat(), { nodes: aiNodes({ client: setup.client }) });
    const result = await bot.send('tell me everything');
    const replies = texts(result.outbound).slice(0, -1);
    expect(replies.length).toBe(3);
    for (const reply of replies) expect(reply.length).toBeLessThanOrEqual(4096);
    expect(replies.join('\n\n')).toBe(`${paragraph}\n\n${paragraph}\n\n${paragraph}`);
  });

  it('stores the reply without sending it when send is false', async () => {
    setup.fake.reply({ text: 'Draft answer.' });
    const bot = createTestHarness(
      chat({ send: false, variable: 'draft', maxTokens: 300, model: 'claude-sonnet-4-6' }),
      {
        nodes: aiNodes({ client: setup.client }),
      },
    );
    const result = await bot.send('hi');
    expect(texts(result.outbound)).toEqual(['Anything else?']);
    expect(bot.variables.draft).toBe('Draft answer.');
    expect(setup.fake.lastBody()).toMatchObject({ model: 'claude-sonnet-4-6', max_tokens: 300 });
  });

  it('keeps whole sentences of a reply cut by max_tokens', async () => {
    setup.fake.reply({ text: 'Your order ships today. It should arrive on', stopReason: 'max_tokens' });
    const bot = createTestHarness(chat(), { nodes: aiNodes({ client: setup.client }) });
    expect(texts((await bot.send('when?')).outbound)[0]).toBe('Your order ships today.');
  });

  it.each([
    [
      'a provider error',
      { error: { status: 500, message: 'Internal stack trace with secrets' } },
      'AI_UNAVAILABLE',
    ],
    [
      'a bad request',
      { error: { status: 400, message: 'messages.0: raw validation text' } },
      'AI_REQUEST_REJECTED',
    ],
    ['a refusal', { text: 'I will not help with that', stopReason: 'refusal' as const }, 'AI_REFUSED'],
    ['an empty reply', { text: '   ' }, 'AI_OUTPUT_INVALID'],
  ])('takes error on %s, and the raw text never reaches the user', async (_name, reply, code) => {
    setup.fake.reply(reply);
    const bot = createTestHarness(chat(), { nodes: aiNodes({ client: setup.client }) });
    const result = await bot.send('hi');
    expect(texts(result.outbound)).toEqual([
      'Sorry, I cannot answer right now. An agent will call you back.',
    ]);
    expect(result.status).toBe('ended');
    expect(eventsOf(result, 'ai.failed')[0]).toMatchObject({ code, nodeId: 'answer' });
    expect((result.variables.$ai as { error: string }).error).toBe(code);
    expect(JSON.stringify(result.outbound)).not.toMatch(/secret|raw validation|will not/);
  });

  it('retries a 529 through the SDK and then answers', async () => {
    const retrying = await fakeClient({ maxRetries: 2 });
    try {
      retrying.fake.reply({ error: { status: 529, retryAfterMs: 1 } }, { text: 'Back online.' });
      const bot = createTestHarness(chat(), { nodes: aiNodes({ client: retrying.client }) });
      expect(texts((await bot.send('hi')).outbound)[0]).toBe('Back online.');
      expect(retrying.fake.requests).toHaveLength(2);
    } finally {
      await retrying.fake.close();
    }
  });

  it('takes error when the step deadline passes (the call is aborted)', async () => {
    setup.fake.reply({ hang: true });
    const bot = createTestHarness(chat(), {
      nodes: aiNodes({ client: setup.client, budget: { stepTimeoutMs: 100 } }),
    });
    const started = performance.now();
    const result = await bot.send('hi');
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(result.status).toBe('ended');
    expect(eventsOf(result, 'ai.failed')[0]?.code).toBe('EFFECT_TIMEOUT');
  });

  it('takes error without calling the model once the conversation budget is spent', async () => {
    setup.fake.reply({
      text: 'first',
      usage: { input_tokens: 80, output_tokens: 30, cache_creation_input_tokens: 0 },
    });
    const bot = createTestHarness(chat(), {
      nodes: aiNodes({ client: setup.client, budget: { conversationTokens: 100 } }),
    });
    expect(texts((await bot.send('hi')).outbound)[0]).toBe('first');
    const second = await bot.send('again');
    expect(texts(second.outbound)).toEqual([
      'Sorry, I cannot answer right now. An agent will call you back.',
    ]);
    expect(eventsOf(second, 'ai.failed')[0]).toMatchObject({
      code: 'AI_BUDGET_EXCEEDED',
      tokens: 110,
      limit: 100,
    });
    expect(setup.fake.requests).toHaveLength(1);
  });

  it('sends a placeholder turn when the user sent no text (the API rejects empty turns)', async () => {
    setup.fake.reply({ text: 'Nice picture!' });
    const bot = createTestHarness(chat(), { nodes: aiNodes({ client: setup.client }) });
    await bot.send({ type: 'media', kind: 'image', mediaId: 'media-1', mimeType: 'image/jpeg' });
    expect(setup.fake.lastBody().messages).toEqual([
      { role: 'user', content: '(the customer sent no text)' },
    ]);
  });
});

describe('$ai in flows', () => {
  it('lets a condition branch on {{$ai.error}} without a "never written" warning', async () => {
    const setup2 = await fakeClient();
    try {
      setup2.fake.reply({
        error: { status: 429, errorCode: 'enforced_spend_limit_reached', shouldRetry: false },
      });
      const document = flow(
        [
          ['start', 'start'],
          ['answer', 'ai.reply', {}],
          [
            'why',
            'condition',
            {
              branches: [
                { id: 'capped', rules: [{ left: '{{$ai.error}}', op: 'equals', right: 'AI_SPEND_LIMIT' }] },
              ],
            },
          ],
          ['capped', 'end', { text: 'Our assistant is paused; an agent will reply.' }],
          ['other', 'end', { text: 'Please try again later.' }],
          ['done', 'end', {}],
        ],
        ['start->answer', 'answer->done', 'answer:error->why', 'why:capped->capped', 'why:else->other'],
      );
      const nodes = aiNodes({ client: setup2.client });
      const parsed = parseFlow(document, { nodes });
      expect(parsed.ok).toBe(true);
      expect(parsed.warnings.filter((warning) => warning.code === 'variable.neverWritten')).toEqual([]);
      const bot = createTestHarness(document, { nodes });
      expect(texts((await bot.send('hi')).outbound)).toEqual([
        'Our assistant is paused; an agent will reply.',
      ]);
    } finally {
      await setup2.fake.close();
    }
  });
});
