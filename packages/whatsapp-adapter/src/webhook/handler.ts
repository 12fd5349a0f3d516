import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, ConversationRef, Engine, InboundEvent } from '@botpe/engine';
import { BotpeError, conversationKey, systemClock } from '@botpe/engine';
import { whatsappError } from '../errors.js';
import { graphLimits } from '../limits.js';
import { verifySignature } from '../signature.js';
import { type IgnoredItem, type ParsedWebhook, parseWebhook } from './parse.js';
import { StatusTracker } from './status-tracker.js';

export interface WebhookHandlerOptions {
  /** The Meta app secret(s) the signature is checked with. Required: there is no "skip the check". */
  appSecret: string | readonly string[];
  /** The verify token entered in the App Dashboard, for the GET handshake. */
  verifyToken: string;
  /** Each inbound event goes to `engine.handle`; statuses to `engine.reportStatus`. */
  engine?: Pick<Engine, 'handle' | 'reportStatus'>;
  /** Receives each parsed POST; the 200 waits for it to resolve. Runs after the engine, when both are given. */
  onEvents?: (batch: ParsedWebhook) => Promise<void> | void;
  /** Told of every inbound user message before it is handled: pass the WhatsApp transport for its 24-hour window. */
  windowTracker?: { noteInbound(conversation: ConversationRef, timestamp: number): void };
  /** Largest body accepted, default 3 MB (Meta's maximum); larger gets 413. */
  maxBodyBytes?: number;
  /** Stands in for a missing message timestamp. Default: the system clock. */
  clock?: Clock;
  /** Told of what a POST carried that is not a message or status (account updates, value errors, …). */
  onIgnored?: (items: IgnoredItem[]) => void;
  /** Told of every rejected or failed request (bad signature, oversized body, engine failure), for logs. */
  onError?: (error: unknown) => void;
}

/** A framework-neutral view of a request, so node:http and fetch share one code path. */
interface WebhookRequest {
  method: string;
  url: URL;
  header(name: string): string | undefined;
  body(limit: number): Promise<Uint8Array>;
}

interface WebhookResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export interface WebhookHandler {
  /** For node:http, Express (with a raw body parser, e.g. `express.raw` for any type) and Fastify (raw body). */
  node(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** For fetch-style servers: Hono, Next.js route handlers, Bun, Deno. */
  fetch(request: Request): Promise<Response>;
}

function text(status: number, body: string, headers: Record<string, string> = {}): WebhookResponse {
  return { status, body, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Handles each conversation's events in order, different conversations concurrently. */
async function handleAll(engine: Pick<Engine, 'handle'>, events: InboundEvent[]): Promise<unknown[]> {
  const groups = new Map<string, InboundEvent[]>();
  for (const event of events) {
    const key = conversationKey(event.conversation);
    const group = groups.get(key) ?? [];
    group.push(event);
    groups.set(key, group);
  }
  const results = await Promise.allSettled(
    [...groups.values()].map(async (group) => {
      // Webhooks may arrive out of order: a user's messages are handled by their timestamps.
      group.sort((a, b) => a.message.timestamp - b.message.timestamp);
      for (const event of group) await engine.handle(event);
    }),
  );
  return results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
}

async function readNodeBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const carried =
    (req as IncomingMessage & { rawBody?: unknown; body?: unknown }).rawBody ??
    (req as { body?: unknown }).body;
  if (carried instanceof Uint8Array) return carried;
  if (typeof carried === 'string') return new TextEncoder().encode(carried);
  if (carried !== undefined || req.readableEnded) {
    // A JSON body parser ran first: the raw bytes the signature covers are gone.
    throw whatsappError(
      'WHATSAPP_CONFIG_INVALID',
      'the request body was already parsed; mount the webhook with a raw body (e.g. express.raw({ type: "*/*" }))',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) {
      req.resume();
      throw whatsappError('WHATSAPP_BODY_TOO_LARGE', `the webhook body is larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

async function readFetchBody(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw whatsappError('WHATSAPP_BODY_TOO_LARGE', `the webhook body is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Creates the WhatsApp webhook endpoint: the GET verification handshake, and POSTs checked
 * against `X-Hub-Signature-256` over the raw bytes (401 when missing or wrong), capped in size
 * (413), parsed (400 when not JSON) and handed to the engine. It answers 200 only once every event
 * is durable — each `engine.handle` resolved, a conversation's events in order and conversations
 * concurrently — and 500 when one failed, so Meta redelivers (the engine drops what it had done).
 * Status webhooks are deduplicated and reported through `engine.reportStatus`.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { createWebhookHandler } from '@botpe/whatsapp-adapter';
 * const handler = createWebhookHandler({ appSecret, verifyToken, engine, windowTracker: transport });
 * createServer((req, res) => handler.node(req, res)).listen(3000);
 * // Hono / Next.js: app.all('/webhook', (c) => handler.fetch(c.req.raw));
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const secrets =
    typeof options?.appSecret === 'string' ? [options.appSecret] : [...(options?.appSecret ?? [])];
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret.length === 0)) {
    throw whatsappError(
      'WHATSAPP_CONFIG_INVALID',
      'createWebhookHandler needs an appSecret: the signature check cannot be skipped',
    );
  }
  if (typeof options.verifyToken !== 'string' || options.verifyToken.length === 0) {
    throw whatsappError('WHATSAPP_CONFIG_INVALID', 'createWebhookHandler needs a verifyToken');
  }
  if (!options.engine && !options.onEvents) {
    throw whatsappError(
      'WHATSAPP_CONFIG_INVALID',
      'createWebhookHandler needs an engine or an onEvents callback',
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? graphLimits.maxWebhookBytes;
  const clock = options.clock ?? systemClock;
  const statuses = new StatusTracker();
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A logging hook that throws must not change the answer Meta gets.
    }
  };

  function verify(url: URL): WebhookResponse {
    const mode = url.searchParams.get('hub.mode');
    const token = url.searchParams.get('hub.verify_token');
    const challenge = url.searchParams.get('hub.challenge');
    if (mode === null || token === null || challenge === null)
      return text(400, 'missing hub.mode, hub.verify_token or hub.challenge');
    if (mode !== 'subscribe' || !sameText(token, options.verifyToken)) return text(403, 'forbidden');
    return text(200, challenge);
  }

  async function deliver(batch: ParsedWebhook): Promise<WebhookResponse> {
    for (const event of batch.events)
      options.windowTracker?.noteInbound(event.conversation, event.message.timestamp);
    if (options.engine) {
      const failures = await handleAll(options.engine, batch.events);
      if (failures.length > 0) {
        failures.forEach(report);
        return text(500, 'not stored; redeliver');
      }
      for (const status of batch.statuses) {
        const event = statuses.accept(status);
        if (event) options.engine.reportStatus(event);
      }
    }
    if (options.onEvents) await options.onEvents(batch);
    if (batch.ignored.length > 0) options.onIgnored?.(batch.ignored);
    return text(200, 'OK');
  }

  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    if (request.method === 'GET') return verify(request.url);
    if (request.method !== 'POST') return text(405, 'method not allowed', { allow: 'GET, POST' });
    const declared = Number(request.header('content-length') ?? '0');
    try {
      if (declared > maxBodyBytes)
        throw whatsappError(
          'WHATSAPP_BODY_TOO_LARGE',
          `the webhook body is larger than ${maxBodyBytes} bytes`,
        );
      const raw = await request.body(maxBodyBytes);
      if (!verifySignature(raw, request.header('x-hub-signature-256'), secrets)) {
        throw whatsappError(
          'WHATSAPP_SIGNATURE_INVALID',
          'the X-Hub-Signature-256 header is missing or does not match the body',
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(raw));
      } catch (cause) {
        throw whatsappError('WHATSAPP_BODY_INVALID', 'the webhook body is not JSON', { cause });
      }
      return await deliver(parseWebhook(json, { receivedAt: clock.now() }));
    } catch (error) {
      report(error);
      const code = BotpeError.isInstance(error) ? error.code : undefined;
      if (code === 'WHATSAPP_BODY_TOO_LARGE') return text(413, 'payload too large', { connection: 'close' });
      if (code === 'WHATSAPP_SIGNATURE_INVALID') return text(401, 'invalid signature');
      if (code === 'WHATSAPP_BODY_INVALID') return text(400, 'invalid JSON');
      return text(500, 'not stored; redeliver');
    }
  }

  return {
    async node(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const response = await handle({
        method: req.method ?? 'GET',
        url,
        header: (name) => {
          const value = req.headers[name];
          return Array.isArray(value) ? value[0] : value;
        },
        body: (limit) => readNodeBody(req, limit),
      });
      if (!res.headersSent) res.writeHead(response.status, response.headers);
      res.end(response.body);
    },

    async fetch(request) {
      const response = await handle({
        method: request.method,
        url: new URL(request.url),
        header: (name) => request.headers.get(name) ?? undefined,
        body: (limit) => readFetchBody(request, limit),
      });
      return new Response(response.body, { status: response.status, headers: response.headers });
    },
  };
}
