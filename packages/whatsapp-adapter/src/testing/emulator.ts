import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type GraphIssue, validateGraphMessage } from '../client/validate.js';
import { asRecord, asString } from '../webhook/json.js';
import {
  buildInboundWebhook,
  buildStatusWebhook,
  type InboundSpec,
  nextTestMessageId,
  signWebhook,
} from './webhooks.js';

export interface GraphEmulatorOptions {
  /** The bearer token the emulator accepts; anything else gets Graph error 190. */
  accessToken: string;
  /** Signs the webhooks it sends (statuses, user messages). Required to send any. */
  appSecret?: string;
  /** Where status and user-message webhooks go. Can be set later with `setWebhookUrl`. */
  webhookUrl?: string;
  /** Default 0: any free port. The server listens on 127.0.0.1 only. */
  port?: number;
  /** Business phone number ids it knows; others get Graph error 100 / subcode 33. Default: any. */
  phoneNumberIds?: string[];
  /** Which statuses to send back after each accepted message. Default sent, delivered, read; `[]` sends none. */
  statuses?: Array<'sent' | 'delivered' | 'read'>;
  /** The timestamp put on status webhooks, in ms. Default: the system clock. */
  now?: () => number;
}

/** A message request the emulator accepted. */
export interface RecordedMessage {
  phoneNumberId: string;
  /** The request body, exactly as received (parsed JSON). */
  body: Record<string, unknown>;
  /** The wamid it answered with. */
  id: string;
  /** `performance.now()` when it arrived: for latency measurements. */
  receivedAt: number;
}

/** One HTTP request the emulator saw, whatever the answer. */
export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  /** The `Authorization` header was the right bearer token. */
  authorized: boolean;
}

/** A failure to inject into the next POST request(s); `after` lets that many pass first. */
export type InjectedError = { after?: number } & (
  | {
      /** A Graph error: 130429 (throughput), 131047 (window closed), 131056 (pair rate), 131000, 190, … */
      graphCode: number;
      httpStatus?: number;
      retryAfterSeconds?: number;
      times?: number;
      details?: string;
    }
  | { httpStatus: number; graphCode?: undefined; retryAfterSeconds?: number; times?: number }
  /** Never answers (until `close`): the client's timeout fires. */
  | { timeout: true; times?: number }
);

export interface GraphEmulator {
  /** Pass it as the client's `baseUrl`. */
  readonly baseUrl: string;
  readonly messages: RecordedMessage[];
  readonly requests: RecordedRequest[];
  /** Message ids marked as read (`status: read` calls, with or without a typing indicator). */
  readonly readReceipts: Array<{ messageId: string; typing: boolean }>;
  injectError(error: InjectedError): void;
  setWebhookUrl(url: string): void;
  /** Stores a media file as if a user had sent it; returns its media id. */
  addMedia(data: Uint8Array, mimeType: string): string;
  /** Signs and POSTs a payload to the webhook URL, like Meta. */
  deliverWebhook(payload: unknown): Promise<{ status: number; body: string }>;
  /** Sends one user message to the webhook as a signed POST; returns the answer and the message id. */
  sendUserMessage(phoneNumberId: string, spec: InboundSpec): Promise<{ status: number; messageId: string }>;
  /** Resolves once at least `count` messages were recorded (or rejects after `timeoutMs`). */
  waitForMessages(count: number, timeoutMs?: number): Promise<RecordedMessage[]>;
  /** Waits for the status webhooks in flight, then stops the server. */
  close(): Promise<void>;
}

const TITLES: Record<number, string> = {
  1: 'API Unknown',
  2: 'API Service',
  4: 'Application request limit reached',
  100: 'Invalid parameter',
  190: 'Invalid OAuth access token',
  130429: 'Rate limit hit',
  131000: 'Something went wrong',
  131008: 'Required parameter is missing',
  131009: 'Parameter value is not valid',
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  131051: 'Unsupported message type',
  131056: '(Business Account, Consumer Account) pair rate limit hit',
  133004: 'Server temporarily unavailable',
};

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function issueCode(issues: GraphIssue[]): number {
  if (issues.some((issue) => issue.kind === 'unsupported_type')) return 131051;
  if (issues.some((issue) => issue.kind === 'required')) return 131008;
  return 131009;
}

/**
 * Starts a local stand-in for the WhatsApp Cloud API on 127.0.0.1: it checks the bearer token and
 * each request body the way Meta does (required fields, limits), answers with Meta-shaped success
 * and error JSON, records every message, injects errors on demand (130429, 131047, 131056, 5xx,
 * timeouts), serves media upload and download, and sends signed status webhooks (sent, delivered,
 * read) back to the webhook URL.
 *
 * @example
 * import { startGraphEmulator } from '@botpe/whatsapp-adapter/testing';
 * const graph = await startGraphEmulator({ accessToken: 'test-token', appSecret: 'test-secret' });
 * const client = createWhatsAppClient({ accessToken: 'test-token', phoneNumberId: '100000000000002', baseUrl: graph.baseUrl });
 * await client.send('15550001111', { type: 'text', text: 'hi' });
 * graph.messages[0].body; // → { messaging_product: 'whatsapp', to: '+15550001111', type: 'text', … }
 * await graph.close();
 */
export async function startGraphEmulator(options: GraphEmulatorOptions): Promise<GraphEmulator> {
  const messages: RecordedMessage[] = [];
  const requests: RecordedRequest[] = [];
  const readReceipts: Array<{ messageId: string; typing: boolean }> = [];
  const injected: Array<InjectedError & { remaining: number }> = [];
  const media = new Map<string, { data: Uint8Array; mimeType: string }>();
  const inFlight = new Set<Promise<unknown>>();
  const waiters = new Set<() => void>();
  const statusKinds = options.statuses ?? ['sent', 'delivered', 'read'];
  const now = options.now ?? (() => Date.now());
  let webhookUrl = options.webhookUrl;
  let traceCounter = 0;
  let baseUrl = '';

  function graphError(
    res: ServerResponse,
    httpStatus: number,
    code: number,
    details: string,
    extra: { subcode?: number; retryAfter?: number } = {},
  ) {
    const title = TITLES[code] ?? 'Error';
    const body = {
      error: {
        message: `(#${code}) ${title}`,
        type: code === 190 ? 'OAuthException' : 'GraphMethodException',
        code,
        ...(extra.subcode !== undefined ? { error_subcode: extra.subcode } : {}),
        error_data: { messaging_product: 'whatsapp', details },
        fbtrace_id: `AemuTrace${(++traceCounter).toString(36)}`,
      },
    };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (extra.retryAfter !== undefined) headers['retry-after'] = String(extra.retryAfter);
    res.writeHead(httpStatus, headers).end(JSON.stringify(body));
  }

  function json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    promise.then(
      () => inFlight.delete(promise),
      () => inFlight.delete(promise),
    );
    return promise;
  }

  async function deliverWebhook(payload: unknown): Promise<{ status: number; body: string }> {
    if (!webhookUrl || !options.appSecret)
      throw new Error('the emulator needs a webhookUrl and an appSecret to send webhooks');
    const { body, headers } = signWebhook(payload, options.appSecret);
    const response = await fetch(webhookUrl, { method: 'POST', body, headers });
    return { status: response.status, body: await response.text() };
  }

  async function sendStatuses(
    phoneNumberId: string,
    id: string,
    recipientId: string,
    kinds: string[],
    callbackData?: string,
  ) {
    for (const status of kinds) {
      const payload = buildStatusWebhook({ phoneNumberId }, [
        {
          id,
          status: status as 'sent',
          recipientId,
          timestamp: now(),
          ...(callbackData ? { callbackData } : {}),
        },
      ]);
      // Meta retries a failed status delivery; the emulator tries a few times, then gives up quietly.
      for (let attempt = 0; attempt < 3; attempt++) {
        const result = await deliverWebhook(payload).catch(() => ({ status: 0 }));
        if (result.status === 200) break;
      }
    }
  }

  function takeInjected(): (InjectedError & { remaining: number }) | undefined {
    const next = injected[0];
    if (!next) return undefined;
    if (next.after !== undefined && next.after > 0) {
      next.after -= 1;
      return undefined;
    }
    next.remaining -= 1;
    if (next.remaining <= 0) injected.shift();
    return next;
  }

  async function onMessages(res: ServerResponse, phoneNumberId: string, raw: Buffer): Promise<number> {
    let body: Record<string, unknown> | undefined;
    try {
      body = asRecord(JSON.parse(raw.toString('utf8')));
    } catch {
      body = undefined;
    }
    if (!body) {
      graphError(res, 400, 100, 'The request body is not a JSON object');
      return 400;
    }
    const issues = validateGraphMessage(body);
    if (issues.length > 0) {
      graphError(res, 400, issueCode(issues), issues.map((issue) => issue.message).join('; '));
      return 400;
    }
    if (body.status === 'read') {
      readReceipts.push({ messageId: String(body.message_id), typing: body.typing_indicator !== undefined });
      json(res, 200, { success: true });
      return 200;
    }
    const id = `wamid.EMU${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`;
    const to = asString(body.to) ?? asString(body.recipient) ?? '';
    messages.push({ phoneNumberId, body, id, receivedAt: performance.now() });
    for (const wake of [...waiters]) wake();
    json(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: to.replace(/^\+/, '') }],
      messages: [{ id }],
    });
    if (webhookUrl && options.appSecret && statusKinds.length > 0) {
      // A reaction only ever gets `sent` (SPEC §7).
      const kinds = body.type === 'reaction' ? statusKinds.filter((kind) => kind === 'sent') : statusKinds;
      track(
        sendStatuses(
          phoneNumberId,
          id,
          to.replace(/^\+/, ''),
          kinds,
          asString(body.biz_opaque_callback_data),
        ),
      );
    }
    return 200;
  }

  async function onMedia(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<number> {
    const form = await new Request('http://emulator/upload', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: new Uint8Array(raw),
    })
      .formData()
      .catch(() => undefined);
    const file = form?.get('file');
    if (form?.get('messaging_product') !== 'whatsapp' || !(file instanceof Blob)) {
      graphError(res, 400, 131008, 'messaging_product and file are required');
      return 400;
    }
    const id = `${Math.floor(1e15 + media.size)}`;
    const type = form.get('type');
    media.set(id, {
      data: new Uint8Array(await file.arrayBuffer()),
      mimeType: typeof type === 'string' ? type : file.type,
    });
    json(res, 200, { id });
    return 200;
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ status: number; authorized: boolean }> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === `Bearer ${options.accessToken}`;
    if (!authorized) {
      graphError(res, 401, 190, 'Invalid OAuth access token - Cannot parse access token');
      return { status: 401, authorized };
    }
    const fault = req.method === 'POST' ? takeInjected() : undefined;
    if (fault && 'timeout' in fault) return { status: 0, authorized }; // never answered
    if (fault) {
      const status = fault.httpStatus ?? 400;
      const retryAfter = fault.retryAfterSeconds !== undefined ? { retryAfter: fault.retryAfterSeconds } : {};
      if (fault.graphCode === undefined) {
        const headers: Record<string, string> = { 'content-type': 'text/html' };
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        res.writeHead(status, headers).end('<html><body>Service Unavailable</body></html>');
      } else {
        graphError(
          res,
          status,
          fault.graphCode,
          ('details' in fault && fault.details) || TITLES[fault.graphCode] || 'Injected error',
          retryAfter,
        );
      }
      return { status, authorized };
    }
    const download = /^\/media-download\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && download) {
      const file = media.get(download[1]!);
      if (!file) {
        res.writeHead(404).end();
        return { status: 404, authorized };
      }
      res
        .writeHead(200, { 'content-type': file.mimeType, 'content-length': String(file.data.byteLength) })
        .end(file.data);
      return { status: 200, authorized };
    }
    const post = /^\/v\d+\.\d+\/([^/]+)\/(messages|media)$/.exec(url.pathname);
    if (req.method === 'POST' && post) {
      const phoneNumberId = post[1]!;
      if (options.phoneNumberIds && !options.phoneNumberIds.includes(phoneNumberId)) {
        graphError(res, 400, 100, `Object with ID '${phoneNumberId}' does not exist`, { subcode: 33 });
        return { status: 400, authorized };
      }
      const raw = await readBody(req, 120 * 1024 * 1024);
      const status =
        post[2] === 'messages' ? await onMessages(res, phoneNumberId, raw) : await onMedia(req, res, raw);
      return { status, authorized };
    }
    const info = /^\/v\d+\.\d+\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && info) {
      const file = media.get(info[1]!);
      if (!file) {
        graphError(res, 400, 100, `Object with ID '${info[1]}' does not exist`, { subcode: 33 });
        return { status: 400, authorized };
      }
      json(res, 200, {
        messaging_product: 'whatsapp',
        url: `${baseUrl}/media-download/${info[1]}`,
        mime_type: file.mimeType,
        sha256: 'emulator',
        file_size: file.data.byteLength,
        id: info[1],
      });
      return { status: 200, authorized };
    }
    graphError(res, 400, 100, `Unsupported ${req.method} request`);
    return { status: 400, authorized };
  }

  const server = createServer((req, res) => {
    route(req, res).then(
      ({ status, authorized }) =>
        requests.push({ method: req.method ?? '', path: req.url ?? '', status, authorized }),
      () => {
        if (!res.headersSent) res.writeHead(500).end();
        requests.push({ method: req.method ?? '', path: req.url ?? '', status: 500, authorized: false });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    messages,
    requests,
    readReceipts,
    injectError(error) {
      injected.push({ ...error, remaining: error.times ?? 1 });
    },
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    addMedia(data, mimeType) {
      const id = `${Math.floor(1e15 + media.size)}`;
      media.set(id, { data, mimeType });
      return id;
    },
    deliverWebhook,
    async sendUserMessage(phoneNumberId, spec) {
      const messageId = spec.id ?? nextTestMessageId('USER');
      const { status } = await deliverWebhook(
        buildInboundWebhook({ phoneNumberId }, [{ timestamp: now(), ...spec, id: messageId }]),
      );
      return { status, messageId };
    },
    waitForMessages(count, timeoutMs = 5000) {
      if (messages.length >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} messages, the emulator has ${messages.length}`));
        }, timeoutMs);
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice());
        };
        waiters.add(check);
      });
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
