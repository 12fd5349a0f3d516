/**
 * A fake Anthropic Messages API on node:http, for tests that run the real SDK offline.
 * It speaks the wire protocol (JSON and SSE), simulates usage and prompt caching, answers with
 * scripted replies or errors, and records every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A content block the fake model answers with. */
export type FakeBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** A successful answer. Give `text`, `json` (sent as the text of a structured output), or `content`. */
export interface FakeMessageReply {
  text?: string;
  json?: unknown;
  content?: FakeBlock[];
  stopReason?:
    | 'end_turn'
    | 'max_tokens'
    | 'stop_sequence'
    | 'tool_use'
    | 'refusal'
    | 'model_context_window_exceeded';
  /** Overrides the simulated usage. */
  usage?: Partial<FakeUsage>;
  model?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Streaming only: after `message_start`, send an SSE `error` event of this type and stop. */
  streamError?: string;
}

/** An HTTP error in the API's envelope. */
export interface FakeErrorReply {
  error: {
    status: number;
    type?: string;
    message?: string;
    /** `error.details.error_code`, e.g. `enforced_spend_limit_reached`. */
    errorCode?: string;
    /** Seconds, sent as `retry-after`. */
    retryAfter?: number;
    /** Milliseconds, sent as `retry-after-ms` (the SDK prefers it; keeps retry tests fast). */
    retryAfterMs?: number;
    /** Sent as `x-should-retry`. */
    shouldRetry?: boolean;
  };
}

/** Never answer (until the client gives up or the server closes). */
export interface FakeHangReply {
  hang: true;
}

export type FakeReply = FakeMessageReply | FakeErrorReply | FakeHangReply;

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The parsed JSON body (`undefined` when it was not JSON). */
  body: RecordedBody;
}

/** The parts of a Messages API body tests assert on; the rest stays available as unknown fields. */
export interface RecordedBody {
  model?: string;
  max_tokens?: number;
  system?: string | Array<{ type: string; text: string; cache_control?: unknown }>;
  messages?: Array<{ role: string; content: unknown }>;
  stream?: boolean;
  tools?: Array<{ name: string; input_schema: unknown }>;
  tool_choice?: { type: string };
  output_config?: { format?: { type: string; schema: Record<string, unknown> } };
  metadata?: { user_id?: string };
  [field: string]: unknown;
}

export type FakeResponder = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeAnthropicOptions {
  /** Answers requests when the queue is empty. Without one, an empty queue answers 500 (not retried). */
  responder?: FakeResponder;
  /** When set, requests must carry this key (`Authorization: Bearer` or `x-api-key`), else 401. */
  apiKey?: string;
}

export interface FakeAnthropic {
  /** Pass this as `baseURL` to the SDK or `createAnthropicClient`. */
  readonly baseURL: string;
  /** Every request received, in order (Messages and count_tokens). */
  readonly requests: RecordedRequest[];
  /** Queues replies, used first-in first-out, one per request. */
  reply(...replies: FakeReply[]): FakeAnthropic;
  /** Replaces the responder used when the queue is empty. */
  respondWith(responder: FakeResponder): FakeAnthropic;
  /** The body of the last Messages request. */
  lastBody(): RecordedBody;
  /** Replies still queued. */
  pending(): number;
  close(): Promise<void>;
}

/**
 * Starts a fake Messages API on an ephemeral loopback port.
 *
 * @example
 * const fake = await createFakeAnthropic();
 * fake.reply({ json: { intent: 'billing', confidence: 0.9 } }, { error: { status: 529, retryAfterMs: 1 } });
 * const client = createAnthropicClient({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 });
 * // … run the code under test, then:
 * expect(fake.lastBody().output_config?.format?.type).toBe('json_schema');
 * await fake.close();
 */
export async function createFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  let responder = options.responder;
  let requestCount = 0;
  // Prompt caching, simulated: a system prompt marked with cache_control is written once, then read.
  const cachedPrefixes = new Set<string>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'api_error', `fake server failure: ${String(error)}`);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCount += 1;
    res.setHeader('request-id', `req_fake_${String(requestCount).padStart(4, '0')}`);
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: flattenHeaders(req),
      body: parseJson(raw) as RecordedBody,
    };
    requests.push(recorded);
    if (options.apiKey !== undefined) {
      const bearer = recorded.headers.authorization?.replace(/^Bearer\s+/i, '');
      if (bearer !== options.apiKey && recorded.headers['x-api-key'] !== options.apiKey) {
        sendError(res, 401, 'authentication_error', 'invalid x-api-key');
        return;
      }
    }
    if (req.method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) {
      sendError(res, 404, 'not_found_error', `no route for ${req.method} ${path}`);
      return;
    }
    if (recorded.body === undefined || typeof recorded.body !== 'object') {
      sendError(res, 400, 'invalid_request_error', 'the body is not JSON');
      return;
    }
    if (path === '/v1/messages/count_tokens') {
      sendJson(res, 200, { input_tokens: estimateTokens(JSON.stringify(recorded.body)) });
      return;
    }
    const problem = validateBody(recorded.body);
    if (problem) {
      sendError(res, 400, 'invalid_request_error', problem);
      return;
    }
    const next = queue.shift() ?? (responder ? await responder(recorded) : undefined);
    if (next === undefined) {
      res.setHeader('x-should-retry', 'false');
      sendError(res, 500, 'api_error', 'fake: no scripted reply for this request');
      return;
    }
    if ('hang' in next) return; // keep the socket open; close() or the client's abort ends it
    if ('error' in next) {
      const { status, type, message, errorCode, retryAfter, retryAfterMs, shouldRetry } = next.error;
      if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter));
      if (retryAfterMs !== undefined) res.setHeader('retry-after-ms', String(retryAfterMs));
      if (shouldRetry !== undefined) res.setHeader('x-should-retry', String(shouldRetry));
      sendError(res, status, type ?? defaultErrorType(status), message ?? 'fake error', errorCode);
      return;
    }
    if (next.delayMs) await new Promise((resolve) => setTimeout(resolve, next.delayMs));
    const message = buildMessage(next, recorded.body, requestCount, cachedPrefixes);
    if (recorded.body.stream === true) writeStream(res, message, next.streamError);
    else sendJson(res, 200, message);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const fake: FakeAnthropic = {
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    reply(...replies) {
      queue.push(...replies);
      return fake;
    },
    respondWith(next) {
      responder = next;
      return fake;
    },
    lastBody() {
      const last = requests.filter((request) => request.path === '/v1/messages').at(-1);
      if (!last) throw new Error('the fake Messages API has received no request');
      return last.body;
    },
    pending: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** The checks the real API makes that matter to these nodes (sampling params, prefill, roles). */
function validateBody(body: RecordedBody): string | undefined {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 0) {
    return 'max_tokens: Field required';
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'messages: at least one message is required';
  for (const removed of ['temperature', 'top_p', 'top_k']) {
    if (removed in body) return `${removed}: Extra inputs are not permitted`;
  }
  for (const message of body.messages) {
    if (message.role !== 'user' && message.role !== 'assistant')
      return `messages: unexpected role ${message.role}`;
    if (message.content === '' || (Array.isArray(message.content) && message.content.length === 0)) {
      return 'messages: text content blocks must be non-empty';
    }
  }
  if (body.messages.at(-1)?.role === 'assistant') {
    return 'Prefilling assistant messages is not supported for this model.';
  }
  return undefined;
}

interface WireMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Array<Record<string, unknown>>;
  stop_reason: string;
  stop_sequence: null;
  usage: FakeUsage & { service_tier: 'standard' };
}

function buildMessage(
  reply: FakeMessageReply,
  body: RecordedBody,
  count: number,
  cache: Set<string>,
): WireMessage {
  const content: Array<Record<string, unknown>> = [];
  let toolIndex = 0;
  for (const block of reply.content ?? []) {
    if (block.type === 'tool_use') {
      toolIndex += 1;
      content.push({
        type: 'tool_use',
        id: block.id ?? `toolu_fake_${count}_${toolIndex}`,
        name: block.name,
        input: block.input,
      });
    } else if (block.type === 'thinking') {
      content.push({
        type: 'thinking',
        thinking: block.thinking,
        signature: block.signature ?? 'fake-signature',
      });
    } else content.push({ type: 'text', text: block.text, citations: null });
  }
  if (reply.json !== undefined)
    content.push({ type: 'text', text: JSON.stringify(reply.json), citations: null });
  if (reply.text !== undefined) content.push({ type: 'text', text: reply.text, citations: null });

  const systemBlocks =
    typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
  const cachedText = systemBlocks
    .filter((block) => block.cache_control)
    .map((block) => block.text)
    .join('');
  const systemText = systemBlocks.map((block) => block.text).join('');
  const cacheTokens = cachedText ? estimateTokens(cachedText) : 0;
  const wasCached = cachedText !== '' && cache.has(cachedText);
  if (cachedText) cache.add(cachedText);
  const inputTokens =
    estimateTokens(systemText + JSON.stringify(body.messages ?? []) + JSON.stringify(body.tools ?? [])) -
    cacheTokens;
  const outputText = content.map((block) => JSON.stringify(block)).join('');
  const usage: FakeUsage = {
    input_tokens: Math.max(1, inputTokens),
    output_tokens: estimateTokens(outputText),
    cache_creation_input_tokens: wasCached ? 0 : cacheTokens,
    cache_read_input_tokens: wasCached ? cacheTokens : 0,
    ...reply.usage,
  };
  const hasTool = content.some((block) => block.type === 'tool_use');
  return {
    id: `msg_fake_${String(count).padStart(4, '0')}`,
    type: 'message',
    role: 'assistant',
    model: reply.model ?? body.model ?? 'claude-haiku-4-5',
    content,
    stop_reason: reply.stopReason ?? (hasTool ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: { ...usage, service_tier: 'standard' },
  };
}

/** Sends a message as the API's SSE event sequence; text and tool input arrive in fragments. */
function writeStream(res: ServerResponse, message: WireMessage, streamError: string | undefined): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: Record<string, unknown>) => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  event('message_start', {
    message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
  });
  if (streamError) {
    event('error', { error: { type: streamError, message: 'Overloaded' } });
    res.end();
    return;
  }
  event('ping', {});
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '', citations: null } });
      for (const piece of fragments(String(block.text))) {
        event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      }
    } else if (block.type === 'tool_use') {
      event('content_block_start', { index, content_block: { ...block, input: {} } });
      for (const piece of ['', ...fragments(JSON.stringify(block.input))]) {
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
    } else {
      event('content_block_start', {
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: block.thinking } });
      event('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } });
    }
    event('content_block_stop', { index });
  });
  event('message_delta', {
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: message.usage.output_tokens },
  });
  event('message_stop', {});
  res.end();
}

/** Splits a string into three uneven pieces, so the client must join fragments mid-token. */
function fragments(text: string): string[] {
  if (text.length < 3) return [text];
  const a = Math.floor(text.length / 3);
  const b = Math.floor((text.length * 2) / 3) + 1;
  return [text.slice(0, a), text.slice(a, b), text.slice(b)];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  errorCode?: string,
): void {
  const requestId = String(res.getHeader('request-id') ?? 'req_fake');
  const error: Record<string, unknown> = { type, message };
  if (errorCode !== undefined) error.details = { error_code: errorCode };
  sendJson(res, status, { type: 'error', error, request_id: requestId });
}

function defaultErrorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** About four characters a token, like the usual rule of thumb; deterministic for assertions. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
