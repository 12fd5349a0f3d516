import type { Clock } from '@botpe/engine';
import { BotpeError, systemClock } from '@botpe/engine';
import { whatsappError } from '../errors.js';
import { asRecord, asString } from '../webhook/json.js';
import { GraphApiError, readGraphError, toGraphApiError } from './graph-error.js';
import { type GraphEnvelopeOptions, toGraphBody, type WhatsAppMessage } from './messages.js';
import { type PairRateOptions, RecipientPacer, TokenBucket } from './rate-limit.js';
import { validateGraphMessage } from './validate.js';

export interface WhatsAppClientOptions {
  /** A system-user or business access token. */
  accessToken: string;
  /** The business phone number id to send from (`metadata.phone_number_id` in webhooks). */
  phoneNumberId: string;
  /** Graph API version, default `v24.0`. */
  apiVersion?: string;
  /** Default `https://graph.facebook.com`; point it at a BSP proxy or the emulator. */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
  /** A number in [0, 1): the jitter of the backoff. */
  random?: () => number;
  /** Waits; injectable so tests run backoff and pacing without real time. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Messages per second for this number (Meta: 80 by default, 1000 after an upgrade, 20 in coexistence). */
  messagesPerSecond?: number;
  /** Per-recipient pacing (Meta's pair rate limit); `false` turns it off. Default `{ burst: 45, intervalMs: 6000 }`. */
  pairRate?: PairRateOptions | false;
  /** Retries of a retryable failure, default 4. */
  maxRetries?: number;
  /** First backoff delay, default 500 ms; it doubles with each attempt. */
  baseDelayMs?: number;
  /** A wait longer than this (from Retry-After or backoff) is not waited for: the error is thrown, retryable. Default 60 s. */
  maxDelayMs?: number;
  /** Per-request timeout, default 15 s. */
  timeoutMs?: number;
  /** Largest media download accepted, default 100 MB. */
  maxDownloadBytes?: number;
}

export interface SendOptions extends GraphEnvelopeOptions {
  signal?: AbortSignal;
}

export interface SendResult {
  /** The wamid of the accepted message; statuses refer to it. */
  messageId: string;
  /** The user's WhatsApp id as Meta normalised the recipient. */
  waId?: string;
  /** Present for paced templates (`accepted`, `held_for_quality_assessment`, `paused`). */
  messageStatus?: string;
}

export interface MediaInfo {
  id: string;
  /** A download URL, valid for 5 minutes; it needs the bearer token. */
  url: string;
  mimeType: string;
  sha256?: string;
  fileSize?: number;
}

/** A WhatsApp Cloud API client for one business phone number. */
export interface WhatsAppClient {
  readonly phoneNumberId: string;
  /** Sends one message; validates it first and throws a typed error before calling Meta when it breaks a limit. */
  send(to: string, message: WhatsAppMessage, options?: SendOptions): Promise<SendResult>;
  /** Marks an inbound message (and those before it) as read. */
  markAsRead(messageId: string, options?: { signal?: AbortSignal }): Promise<void>;
  /** Shows "typing…" for up to 25 seconds (and marks the message read). */
  sendTypingIndicator(messageId: string, options?: { signal?: AbortSignal }): Promise<void>;
  /** Uploads a file; returns the media id to send it by (valid 30 days). */
  uploadMedia(
    file: { data: Uint8Array | Blob; mimeType: string; filename?: string },
    options?: { signal?: AbortSignal },
  ): Promise<{ id: string }>;
  /** Looks up a media id: its short-lived download URL and type. */
  getMedia(mediaId: string, options?: { signal?: AbortSignal }): Promise<MediaInfo>;
  /** Downloads a media file (a user's photo, voice note, document). */
  downloadMedia(
    mediaId: string,
    options?: { signal?: AbortSignal },
  ): Promise<{ data: Uint8Array; mimeType: string }>;
}

// Upload limits by MIME type (SPEC §10). Unknown types are left for Meta to judge.
const MEDIA_SIZE_LIMITS: Array<[RegExp, number]> = [
  [/^image\/webp$/, 500 * 1024],
  [/^image\/(jpeg|png)$/, 5 * 1024 * 1024],
  [/^(audio|video)\//, 16 * 1024 * 1024],
  [/^(application|text)\//, 100 * 1024 * 1024],
];

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
function parseRetryAfter(value: string | null, clock: Clock): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && value.trim() !== '') return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - clock.now());
}

interface CallSpec {
  method: 'GET' | 'POST';
  url: string;
  body?: string | FormData;
  /** Whether repeating the call after a lost response is harmless. A send is not: Meta has no idempotency key. */
  idempotent: boolean;
  /** For sends: the recipient, so pacing applies. */
  recipient?: string;
  /** Counted against the number's throughput (every /messages call is). */
  paced: boolean;
  signal?: AbortSignal;
  raw?: boolean;
}

/**
 * Creates a WhatsApp Cloud API client: every outbound type, mark-as-read, typing indicator, media
 * upload and download. Limits are checked before the call; Graph errors become `GraphApiError`s
 * with the Graph code and a `retryable` flag; retryable failures are retried with exponential
 * backoff and jitter, honouring `Retry-After`; sends are paced by a token bucket per number and
 * one per recipient.
 *
 * @example
 * import { createWhatsAppClient } from '@botpe/whatsapp-adapter';
 * const client = createWhatsAppClient({ accessToken: process.env.WHATSAPP_TOKEN!, phoneNumberId: '106540352242922' });
 * const { messageId } = await client.send('15550001111', { type: 'text', text: 'Hello!' });
 */
export function createWhatsAppClient(options: WhatsAppClientOptions): WhatsAppClient {
  if (typeof options?.accessToken !== 'string' || options.accessToken.length === 0) {
    throw whatsappError('WHATSAPP_CONFIG_INVALID', 'createWhatsAppClient needs an accessToken');
  }
  if (typeof options.phoneNumberId !== 'string' || options.phoneNumberId.length === 0) {
    throw whatsappError('WHATSAPP_CONFIG_INVALID', 'createWhatsAppClient needs a phoneNumberId');
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const rawSleep = options.sleep ?? realSleep;
  async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      await rawSleep(ms, signal);
    } catch (error) {
      throw whatsappError('WHATSAPP_ABORTED', 'the call was aborted while waiting', { cause: error });
    }
  }
  const maxRetries = options.maxRetries ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxDownloadBytes = options.maxDownloadBytes ?? 100 * 1024 * 1024;
  const root = `${(options.baseUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '')}/${options.apiVersion ?? 'v24.0'}`;
  const { phoneNumberId, accessToken } = options;
  const mps = options.messagesPerSecond ?? 80;
  const throughput = new TokenBucket(mps, mps / 1000, clock);
  const pacer =
    options.pairRate === false
      ? undefined
      : new RecipientPacer(options.pairRate ?? { burst: 45, intervalMs: 6000 }, clock);

  async function pace(spec: CallSpec): Promise<void> {
    const waits = [
      spec.paced ? throughput.reserve() : 0,
      spec.recipient && pacer ? pacer.reserve(spec.recipient) : 0,
    ];
    const wait = Math.max(...waits);
    if (wait > 0) await sleep(wait, spec.signal);
  }

  function backoff(attempt: number, error: GraphApiError): number {
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    // Equal jitter: at least half the delay, so retries never bunch at zero.
    const jittered = exponential / 2 + random() * (exponential / 2);
    // Meta's advice for the pair rate limit: wait 4^X seconds (SPEC §12.2).
    return error.graphCode === 131056 ? Math.max(jittered, 4 ** attempt * 1000) : jittered;
  }

  async function once(spec: CallSpec): Promise<Response> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(spec.signal?.reason);
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${accessToken}`,
        'user-agent': 'botpe-whatsapp-adapter',
      };
      if (typeof spec.body === 'string') headers['content-type'] = 'application/json';
      return await fetchImpl(spec.url, {
        method: spec.method,
        headers,
        body: spec.body,
        signal: controller.signal,
      });
    } catch (error) {
      if (spec.signal?.aborted)
        throw whatsappError('WHATSAPP_ABORTED', 'the call was aborted', { cause: error });
      if (controller.signal.aborted) {
        throw whatsappError('WHATSAPP_TIMEOUT', `no answer from the Graph API within ${timeoutMs} ms`, {
          retryable: true,
          cause: error,
        });
      }
      throw whatsappError('WHATSAPP_NETWORK_ERROR', 'the Graph API could not be reached', {
        retryable: true,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
    }
  }

  async function call(spec: CallSpec): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      if (spec.signal?.aborted)
        throw whatsappError('WHATSAPP_ABORTED', 'the call was aborted', { cause: spec.signal.reason });
      await pace(spec);
      let response: Response;
      try {
        response = await once(spec);
      } catch (error) {
        // A send whose request may have reached Meta is not repeated here: the engine's outbox decides.
        const unknownOutcome =
          BotpeError.isInstance(error) && error.code === 'WHATSAPP_TIMEOUT' && !spec.idempotent;
        if (!BotpeError.isInstance(error) || !error.retryable || unknownOutcome || attempt >= maxRetries)
          throw error;
        const delay = baseDelayMs * 2 ** attempt * (0.5 + random() / 2);
        if (delay > maxDelayMs) throw error;
        await sleep(delay, spec.signal);
        continue;
      }
      if (response.ok) return response;
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const error = toGraphApiError(readGraphError(response.status, json));
      if (!error.retryable || attempt >= maxRetries) throw error;
      const delay = parseRetryAfter(response.headers.get('retry-after'), clock) ?? backoff(attempt, error);
      if (delay > maxDelayMs) throw error;
      await sleep(delay, spec.signal);
    }
  }

  async function callJson(spec: CallSpec): Promise<Record<string, unknown>> {
    const response = await call(spec);
    const json = asRecord(await response.json().catch(() => undefined));
    if (!json) {
      throw whatsappError(
        'WHATSAPP_GRAPH_ERROR',
        `the Graph API answered ${spec.method} with a body that is not a JSON object`,
        {
          retryable: false,
        },
      );
    }
    return json;
  }

  async function readStatus(
    messageId: string,
    extra: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<void> {
    if (typeof messageId !== 'string' || messageId.length === 0) {
      throw whatsappError('WHATSAPP_MESSAGE_INVALID', 'a message id is required to mark a message as read');
    }
    const body = JSON.stringify({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: messageId,
      ...extra,
    });
    await callJson({
      method: 'POST',
      url: `${root}/${phoneNumberId}/messages`,
      body,
      idempotent: true,
      paced: true,
      signal,
    });
  }

  async function getMedia(mediaId: string, callOptions: { signal?: AbortSignal } = {}): Promise<MediaInfo> {
    const url = `${root}/${encodeURIComponent(mediaId)}?phone_number_id=${encodeURIComponent(phoneNumberId)}`;
    const json = await callJson({
      method: 'GET',
      url,
      idempotent: true,
      paced: false,
      signal: callOptions.signal,
    });
    const downloadUrl = asString(json.url);
    if (!downloadUrl)
      throw whatsappError('WHATSAPP_GRAPH_ERROR', `media ${mediaId} has no download URL`, {
        retryable: false,
      });
    const info: MediaInfo = {
      id: asString(json.id) ?? mediaId,
      url: downloadUrl,
      mimeType: asString(json.mime_type) ?? 'application/octet-stream',
    };
    const sha256 = asString(json.sha256);
    if (sha256) info.sha256 = sha256;
    if (typeof json.file_size === 'number') info.fileSize = json.file_size;
    else if (typeof json.file_size === 'string') info.fileSize = Number(json.file_size);
    return info;
  }

  return {
    phoneNumberId,

    async send(to, message, sendOptions = {}) {
      if (typeof to !== 'string' || to.trim().length === 0) {
        throw whatsappError('WHATSAPP_MESSAGE_INVALID', 'a recipient is required');
      }
      const body = toGraphBody(to, message, sendOptions);
      const issues = validateGraphMessage(body);
      if (issues.length > 0) {
        const overLimit = issues.some((issue) => issue.kind === 'too_long' || issue.kind === 'too_many');
        throw whatsappError(
          overLimit ? 'WHATSAPP_LIMIT_EXCEEDED' : 'WHATSAPP_MESSAGE_INVALID',
          `the ${message.type} message breaks WhatsApp's rules: ${issues.map((issue) => issue.message).join('; ')}`,
          { retryable: false, details: { issues } },
        );
      }
      const json = await callJson({
        method: 'POST',
        url: `${root}/${phoneNumberId}/messages`,
        body: JSON.stringify(body),
        idempotent: false,
        paced: true,
        recipient: to,
        signal: sendOptions.signal,
      });
      const sent = asRecord(Array.isArray(json.messages) ? json.messages[0] : undefined);
      const messageId = asString(sent?.id);
      if (!messageId)
        throw whatsappError('WHATSAPP_GRAPH_ERROR', 'the send response carries no message id', {
          retryable: false,
        });
      const result: SendResult = { messageId };
      const waId = asString(asRecord(Array.isArray(json.contacts) ? json.contacts[0] : undefined)?.wa_id);
      const messageStatus = asString(sent?.message_status);
      if (waId) result.waId = waId;
      if (messageStatus) result.messageStatus = messageStatus;
      return result;
    },

    markAsRead(messageId, callOptions = {}) {
      return readStatus(messageId, {}, callOptions.signal);
    },

    sendTypingIndicator(messageId, callOptions = {}) {
      return readStatus(messageId, { typing_indicator: { type: 'text' } }, callOptions.signal);
    },

    async uploadMedia(file, callOptions = {}) {
      const data =
        file.data instanceof Blob
          ? file.data
          : new Blob([new Uint8Array(file.data)], { type: file.mimeType });
      if (typeof file.mimeType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(file.mimeType)) {
        throw whatsappError('WHATSAPP_MEDIA_INVALID', `"${String(file.mimeType)}" is not a MIME type`);
      }
      const limit = MEDIA_SIZE_LIMITS.find(([pattern]) => pattern.test(file.mimeType))?.[1];
      if (data.size === 0 || (limit !== undefined && data.size > limit)) {
        throw whatsappError(
          'WHATSAPP_MEDIA_INVALID',
          `a ${file.mimeType} file of ${data.size} bytes cannot be uploaded`,
          {
            details: { size: data.size, limit: limit ?? null },
          },
        );
      }
      const form = new FormData();
      form.set('messaging_product', 'whatsapp');
      form.set('type', file.mimeType);
      form.set('file', data, file.filename ?? 'file');
      const json = await callJson({
        method: 'POST',
        url: `${root}/${phoneNumberId}/media`,
        body: form,
        idempotent: false,
        paced: false,
        signal: callOptions.signal,
      });
      const id = asString(json.id);
      if (!id)
        throw whatsappError('WHATSAPP_GRAPH_ERROR', 'the upload response carries no media id', {
          retryable: false,
        });
      return { id };
    },

    getMedia,

    async downloadMedia(mediaId, callOptions = {}) {
      // A media URL lives 5 minutes: on a 404, look the id up again once (SPEC §10).
      for (let lookup = 0; ; lookup++) {
        const info = await getMedia(mediaId, callOptions);
        let response: Response;
        try {
          response = await call({
            method: 'GET',
            url: info.url,
            idempotent: true,
            paced: false,
            signal: callOptions.signal,
          });
        } catch (error) {
          if (lookup === 0 && error instanceof GraphApiError && error.httpStatus === 404) continue;
          throw error;
        }
        const declared = Number(response.headers.get('content-length') ?? '0');
        if (declared > maxDownloadBytes) {
          await response.body?.cancel();
          throw whatsappError(
            'WHATSAPP_MEDIA_INVALID',
            `media ${mediaId} is larger than ${maxDownloadBytes} bytes`,
          );
        }
        const data = new Uint8Array(await response.arrayBuffer());
        if (data.byteLength > maxDownloadBytes) {
          throw whatsappError(
            'WHATSAPP_MEDIA_INVALID',
            `media ${mediaId} is larger than ${maxDownloadBytes} bytes`,
          );
        }
        return { data, mimeType: response.headers.get('content-type') ?? info.mimeType };
      }
    },
  };
}
