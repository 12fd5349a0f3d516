import Anthropic from '@anthropic-ai/sdk';
import { AI_ERROR_CODES, createAnthropicClient, type LlmRequest } from '@botpe/ai-nodes';
import { createFakeAnthropic, type FakeAnthropic } from '@botpe/ai-nodes/testing';
import { BotpeError } from '@botpe/engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await createFakeAnthropic({ apiKey: 'test-key' });
});
afterEach(async () => {
  await fake.close();
});

const client = (options: Parameters<typeof createAnthropicClient>[0] = {}) =>
  createAnthropicClient({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0, ...options });

const hello: LlmRequest = { messages: [{ role: 'user', text: 'Hello' }], maxTokens: 64 };

async function failure(promise: Promise<unknown>): Promise<BotpeError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!BotpeError.isInstance(error)) throw new Error(`expected a BotpeError, got ${String(error)}`);
  return error;
}

describe('createAnthropicClient', () => {
  it('sends a Messages API request with the SDK and maps the response', async () => {
    fake.reply({
      content: [
        { type: 'thinking', thinking: 'hmm' },
        { type: 'text', text: 'Hi there' },
      ],
    });
    const response = await client().complete({
      ...hello,
      system: 'Be brief.',
      cacheSystem: true,
      userId: 'abc',
    });
    expect(response.text).toBe('Hi there');
    expect(response.stopReason).toBe('end');
    expect(response.model).toBe('claude-haiku-4-5');
    expect(response.requestId).toBe('req_fake_0001');
    expect(response.usage.cacheWriteTokens).toBeGreaterThan(0);
    const request = fake.requests[0]!;
    expect(request.path).toBe('/v1/messages');
    expect(request.headers.authorization).toBe('Bearer test-key');
    expect(request.headers['anthropic-version']).toBe('2026-10-21');
    expect(request.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Hello' }],
      metadata: { user_id: 'abc' },
    });
  });

  it('reads the cache on the second call with the same system prompt', async () => {
    fake.reply({ text: 'one' }, { text: 'two' });
    const llm = client();
    const first = await llm.complete({
      ...hello,
      system: 'A long, stable system prompt.',
      cacheSystem: true,
    });
    const second = await llm.complete({
      ...hello,
      system: 'A long, stable system prompt.',
      cacheSystem: true,
    });
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.cacheWriteTokens).toBe(0);
  });

  it('sends structured output as output_config.format and never sampling parameters or prefill', async () => {
    fake.reply({ json: { intent: 'billing' } });
    const schema = {
      type: 'object',
      properties: { intent: { type: 'string', enum: ['billing', 'fallback'] } },
      required: ['intent'],
    };
    const response = await client().complete({ ...hello, output: { schema } });
    expect(JSON.parse(response.text)).toEqual({ intent: 'billing' });
    const body = fake.lastBody();
    expect(body.output_config?.format?.type).toBe('json_schema');
    expect(body.output_config?.format?.schema).toMatchObject({
      additionalProperties: false,
      properties: { intent: { enum: ['billing', 'fallback'] } },
    });
    for (const field of ['temperature', 'top_p', 'top_k', 'tool_choice'])
      expect(body).not.toHaveProperty(field);
    expect(body.messages?.at(-1)?.role).toBe('user');
  });

  it('passes tools with an automatic (never forced) tool choice and returns the calls', async () => {
    fake.reply({
      content: [
        { type: 'text', text: 'Looking it up.' },
        { type: 'tool_use', name: 'lookup', input: { order: 'A1' } },
      ],
    });
    const response = await client().complete({
      ...hello,
      tools: [
        {
          name: 'lookup',
          description: 'Find an order',
          inputSchema: { type: 'object', properties: { order: { type: 'string' } } },
        },
      ],
    });
    expect(response.stopReason).toBe('tool_use');
    expect(response.toolCalls).toEqual([
      { id: expect.stringMatching(/^toolu_/), name: 'lookup', input: { order: 'A1' } },
    ]);
    expect(fake.lastBody().tool_choice).toEqual({ type: 'auto' });
  });

  it('streams over SSE when asked and assembles text and tool input from fragments', async () => {
    fake.reply({
      content: [
        { type: 'text', text: 'Streaming works fine.' },
        { type: 'tool_use', name: 'route', input: { branch: 'sales' } },
      ],
    });
    const response = await client({ stream: true }).complete(hello);
    expect(fake.lastBody().stream).toBe(true);
    expect(response.text).toBe('Streaming works fine.');
    expect(response.toolCalls[0]?.input).toEqual({ branch: 'sales' });
    expect(response.usage.outputTokens).toBeGreaterThan(1);
  });

  it('maps an SSE error event after the 200 to AI_UNAVAILABLE', async () => {
    fake.reply({ text: 'never', streamError: 'overloaded_error' });
    const error = await failure(client({ stream: true }).complete(hello));
    expect(error.code).toBe('AI_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });

  it('retries 529 and 429 (honouring retry-after-ms) and succeeds', async () => {
    fake.reply(
      { error: { status: 529, retryAfterMs: 1 } },
      { error: { status: 429, retryAfterMs: 1 } },
      { text: 'finally' },
    );
    const response = await client({ maxRetries: 2 }).complete(hello);
    expect(response.text).toBe('finally');
    expect(fake.requests.map((request) => request.headers['x-stainless-retry-count'])).toEqual([
      '0',
      '1',
      '2',
    ]);
  });

  it('gives up after maxRetries with a retryable coded error that keeps the request id, not the provider text', async () => {
    fake.reply(
      { error: { status: 500, retryAfterMs: 1, message: 'secret internal detail' } },
      { error: { status: 500, retryAfterMs: 1, message: 'secret internal detail' } },
    );
    const error = await failure(client({ maxRetries: 1 }).complete(hello));
    expect(error.code).toBe('AI_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).not.toContain('secret');
    expect(error.details).toMatchObject({ status: 500, type: 'api_error', requestId: 'req_fake_0002' });
    expect(fake.requests).toHaveLength(2);
  });

  it.each([
    [{ status: 400 }, 'AI_REQUEST_REJECTED', false],
    [{ status: 401 }, 'AI_AUTH_FAILED', false],
    [{ status: 403 }, 'AI_AUTH_FAILED', false],
    [{ status: 429, retryAfter: 0.001, shouldRetry: false }, 'AI_RATE_LIMITED', true],
    [{ status: 429, errorCode: 'enforced_spend_limit_reached', shouldRetry: false }, 'AI_SPEND_LIMIT', false],
    [{ status: 529, retryAfter: 0.001, shouldRetry: false }, 'AI_UNAVAILABLE', true],
  ] as const)('maps HTTP %o to %s', async (error, code, retryable) => {
    fake.reply({ error });
    const thrown = await failure(client().complete(hello));
    expect(thrown.code).toBe(code);
    expect(thrown.retryable).toBe(retryable);
    expect(AI_ERROR_CODES).toContain(thrown.code);
  });

  it('rejects sampling parameters the way the current API does (the fake checks what the API checks)', async () => {
    const sdk = new Anthropic({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0, logLevel: 'off' });
    const body = {
      model: 'claude-haiku-4-5',
      max_tokens: 5,
      messages: [{ role: 'user' as const, content: 'hi' }],
      temperature: 1,
    };
    await expect(
      sdk.messages.create(body as Anthropic.MessageCreateParamsNonStreaming),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('times out a hung server with AI_TIMEOUT', async () => {
    fake.reply({ hang: true });
    const started = performance.now();
    const error = await failure(client({ timeoutMs: 150 }).complete(hello));
    expect(error.code).toBe('AI_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reports an aborted call as AI_ABORTED, and a passed deadline as AI_TIMEOUT', async () => {
    fake.reply({ hang: true });
    const controller = new AbortController();
    const call = client().complete(hello, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await failure(call)).code).toBe('AI_ABORTED');
    const now = () => 1_000;
    const late = await failure(client({ now }).complete(hello, { deadline: 999 }));
    expect(late.code).toBe('AI_TIMEOUT');
  });

  it('reports a closed port as AI_UNAVAILABLE', async () => {
    const closed = await createFakeAnthropic();
    const baseURL = closed.baseURL;
    await closed.close();
    const error = await failure(
      createAnthropicClient({ apiKey: 'k', baseURL, maxRetries: 0 }).complete(hello),
    );
    expect(error.code).toBe('AI_UNAVAILABLE');
  });

  it('refuses bad options with AI_CONFIG_INVALID', () => {
    expect(() => createAnthropicClient({ timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'AI_CONFIG_INVALID' }),
    );
    expect(() => createAnthropicClient({ maxRetries: -1 })).toThrow(
      expect.objectContaining({ code: 'AI_CONFIG_INVALID' }),
    );
  });
});
