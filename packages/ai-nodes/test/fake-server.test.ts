import Anthropic from '@anthropic-ai/sdk';
import { createFakeAnthropic, type FakeAnthropic } from '@botpe/ai-nodes/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await createFakeAnthropic({ apiKey: 'test-key' });
});
afterEach(async () => {
  await fake.close();
});

const sdk = () =>
  new Anthropic({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0, logLevel: 'off' });
const base = {
  model: 'claude-haiku-4-5',
  max_tokens: 16,
  messages: [{ role: 'user' as const, content: 'hi' }],
};

describe('createFakeAnthropic', () => {
  it('answers in the real wire format, with a request id and usage', async () => {
    fake.reply({ text: 'hello' });
    const message = await sdk().messages.create(base);
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      stop_reason: 'end_turn',
    });
    expect(message.content).toEqual([{ type: 'text', text: 'hello', citations: null }]);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect((message as { _request_id?: string })._request_id).toBe('req_fake_0001');
  });

  it('streams SSE the SDK assembles, including thinking and tool input', async () => {
    fake.reply({
      content: [
        { type: 'thinking', thinking: 'let me see' },
        { type: 'text', text: 'Hello world' },
        { type: 'tool_use', name: 't', input: { a: [1, 2] } },
      ],
    });
    const deltas: string[] = [];
    const stream = sdk()
      .messages.stream(base)
      .on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(deltas.join('')).toBe('Hello world');
    expect(deltas.length).toBeGreaterThan(1);
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(message.content[2]).toMatchObject({ name: 't', input: { a: [1, 2] } });
    expect(message.stop_reason).toBe('tool_use');
  });

  it('accepts x-api-key as well as a bearer token, and answers 401 without either', async () => {
    fake.reply({ text: 'a' });
    const response = await fetch(`${fake.baseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'test-key', 'content-type': 'application/json' },
      body: JSON.stringify(base),
    });
    expect(response.status).toBe(200);
    const denied = await fetch(`${fake.baseURL}/v1/messages`, { method: 'POST', body: JSON.stringify(base) });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('rejects what the current API rejects: prefill, missing fields, non-JSON', async () => {
    const prefill = { ...base, messages: [...base.messages, { role: 'assistant' as const, content: '{' }] };
    await expect(sdk().messages.create(prefill)).rejects.toMatchObject({
      status: 400,
      apiMessage: expect.stringMatching(/Prefilling/),
    });
    const post = (body: string) =>
      fetch(`${fake.baseURL}/v1/messages`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-key' },
        body,
      });
    expect((await post('not json')).status).toBe(400);
    expect((await post(JSON.stringify({ messages: [] }))).status).toBe(400);
  });

  it('sends error envelopes with retry headers and error codes', async () => {
    fake.reply({
      error: { status: 429, errorCode: 'enforced_spend_limit_reached', retryAfter: 3, shouldRetry: false },
    });
    const error = await sdk()
      .messages.create(base)
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const apiError = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(apiError.errorCode).toBe('enforced_spend_limit_reached');
    expect(apiError.headers.get('retry-after')).toBe('3');
    expect(apiError.requestID).toBe('req_fake_0001');
  });

  it('answers 500 (not retried) when nothing is scripted, then uses the responder', async () => {
    await expect(sdk().messages.create(base)).rejects.toMatchObject({ status: 500 });
    fake.respondWith((request) => ({ text: `you said ${String(request.body.messages?.[0]?.content)}` }));
    const message = await sdk().messages.create(base);
    expect(message.content[0]).toMatchObject({ text: 'you said hi' });
  });

  it('counts tokens and records every request', async () => {
    const counted = await sdk().messages.countTokens({ model: base.model, messages: base.messages });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(fake.requests.map((request) => request.path)).toEqual(['/v1/messages/count_tokens']);
    expect(() => fake.lastBody()).toThrow(/no request/);
  });
});
