import { z } from 'zod';
import { describeError } from '../errors.js';
import type { FlowIssue } from '../flow/issues.js';
import { parsePath, readPath } from '../flow/paths.js';
import { textSchema } from './common.js';
import { defineNode, type EffectContext, type HttpOptions, type NodeContext, type Text } from './define.js';
import { type HopRequest, type HopResponse, httpError, type NetworkPolicy, pinnedRequest } from './ssrf.js';

/** How long a request may take when the node sets no `timeoutMs`. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** The largest response body read when the node sets no `maxResponseBytes` (1 MiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Redirects followed before a request fails with `HTTP_TOO_MANY_REDIRECTS`. */
export const MAX_REDIRECTS = 5;
/** The `map` path that stands for the whole response body. */
export const WHOLE_BODY = '$';

/**
 * Internal: lets a test override how the http node resolves and classifies addresses (e.g. treat
 * 127.0.0.2 as public to test a redirect into loopback). Not exported from the package: only code
 * that imports this module can set it, and a host can already allow private networks anyway.
 */
export const networkPolicyOverride: unique symbol = Symbol('botpe.http.networkPolicy');
/** `HttpOptions` as the http node reads them, with the internal test override. */
export type HttpServiceOptions = HttpOptions & {
  [networkPolicyOverride]?: Omit<NetworkPolicy, 'allowPrivateNetwork'>;
};

/** Headers a flow may not set: the transport owns them. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);
/** Headers dropped when a redirect leaves the origin, so credentials do not follow it. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const httpData = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  url: textSchema,
  headers: z
    .record(z.string().regex(HEADER_NAME, "a header name is letters, digits and !#$%&'*+.^_`|~-"), textSchema)
    .optional(),
  body: z.unknown().optional(),
  timeoutMs: z.number().int().positive().max(300_000).optional(),
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .max(50 * 1024 * 1024)
    .optional(),
  map: z.array(z.object({ variable: z.string().min(1), path: z.string().min(1) })).optional(),
  statusVariable: z.string().min(1).optional(),
});

export type HttpData = z.infer<typeof httpData>;

/** What `enter` hands to `runEffect`: everything already interpolated. */
export interface HttpRequest {
  method: HttpData['method'];
  url: string;
  headers: Record<string, string>;
  body: { type: 'json'; value: unknown } | { type: 'text'; value: string } | undefined;
  maxResponseBytes: number;
}

/** What `runEffect` gives back for any HTTP response (2xx or not). */
export interface HttpResult {
  status: number;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: unknown;
}

/** Placeholder spans of a URL template; each is rendered by the engine's own interpolation. */
const PLACEHOLDER_SPAN = /\{\{[^{}]*\}\}/g;
const MARK = /\uE000(\d+)\uE000/g;

/**
 * Renders the URL template. A placeholder at the very start is inserted as it is (so
 * `{{apiBase}}/orders` works); every other value is percent-encoded, so user input cannot add
 * query parameters, path segments or change the host.
 */
function renderUrl(context: NodeContext<HttpData, unknown>): string {
  const spans: string[] = [];
  const mark = (template: string) =>
    template.replace(PLACEHOLDER_SPAN, (span) => {
      spans.push(span);
      return `\uE000${spans.length - 1}\uE000`;
    });
  const { url } = context.data;
  const marked: Text =
    typeof url === 'string'
      ? mark(url)
      : Object.fromEntries(Object.entries(url).map(([locale, value]) => [locale, mark(value)]));
  // With every placeholder marked, `text` only picks the locale's string.
  return context.text(marked).replace(MARK, (_match, index: string, offset: number) => {
    const value = context.text(spans[Number(index)]);
    return offset === 0 ? value : encodeURIComponent(value);
  });
}

function lintUrl(template: string, path: Array<string | number>): FlowIssue | null {
  const issue = (message: string): FlowIssue => ({
    code: 'node.invalidData',
    severity: 'error',
    message,
    path,
  });
  const prefix = template.split('{{')[0]!;
  const literal = prefix === template;
  if (prefix === '' && !literal) return null; // the whole start comes from a variable: checked at run time
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(prefix)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return literal || prefix.length > 0
      ? issue(`The URL "${template}" must start with http:// or https://.`)
      : null;
  }
  if (scheme !== 'http' && scheme !== 'https')
    return issue(`The URL "${template}" uses "${scheme}:"; only http and https can be called.`);
  if (literal && !URL.canParse(template)) return issue(`"${template}" is not a valid URL.`);
  return null;
}

function lintHttp(data: HttpData): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const templates =
    typeof data.url === 'string'
      ? [[[], data.url] as const]
      : Object.entries(data.url).map(([locale, value]) => [[locale], value] as const);
  for (const [suffix, template] of templates) {
    const issue = lintUrl(template, ['data', 'url', ...suffix]);
    if (issue) issues.push(issue);
  }
  for (const name of Object.keys(data.headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      issues.push({
        code: 'node.invalidData',
        severity: 'error',
        message: `The "${name}" header is set by the engine and cannot be set by a flow.`,
        path: ['data', 'headers', name],
      });
    }
  }
  data.map?.forEach((entry, index) => {
    if (entry.path !== WHOLE_BODY && parsePath(entry.path.trim()) === null) {
      issues.push({
        code: 'node.invalidData',
        severity: 'error',
        message: `"${entry.path}" is not a path such as data.items[0].name.`,
        path: ['data', 'map', index, 'path'],
      });
    }
  });
  return issues;
}

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    // The URL is not echoed: it may carry user input or a token in its query.
    throw httpError(
      'HTTP_INVALID_URL',
      base
        ? `the redirect from ${base.origin} goes to an invalid URL`
        : 'the URL is not a valid URL once its placeholders are filled',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw httpError('HTTP_INVALID_URL', `only http and https URLs can be called, not "${url.protocol}"`, {
      details: { protocol: url.protocol },
    });
  }
  return url;
}

/** One exchange through a host-provided fetch (only when private networks are allowed: it cannot be pinned). */
async function fetchHop(request: HopRequest, fetchImpl: typeof fetch): Promise<HopResponse> {
  let response: Response;
  try {
    response = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
      signal: request.signal,
    });
  } catch (error) {
    if (request.signal.aborted) throw request.signal.reason;
    throw httpError(
      'HTTP_REQUEST_FAILED',
      `request to ${request.url.origin} failed: ${describeError(error)}`,
      { cause: error, retryable: true },
    );
  }
  const tooLarge = () =>
    httpError(
      'HTTP_TOO_LARGE',
      `the response from ${request.url.origin} is larger than ${request.maxResponseBytes} bytes`,
    );
  if (Number(response.headers.get('content-length')) > request.maxResponseBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > request.maxResponseBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, headers, body: Buffer.concat(chunks) };
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Sends the request, following up to MAX_REDIRECTS redirects, each to a freshly checked address. */
async function send(request: HttpRequest, context: EffectContext<HttpData>): Promise<HttpResult> {
  const options = context.services.http as HttpServiceOptions;
  const allowPrivateNetwork = options.allowPrivateNetwork === true;
  const policy: NetworkPolicy = { ...options[networkPolicyOverride], allowPrivateNetwork };
  // A host's fetch cannot be pinned to a checked address, so it is only used where no check applies.
  const hop =
    allowPrivateNetwork && options.fetch
      ? (hopRequest: HopRequest) => fetchHop(hopRequest, options.fetch!)
      : (hopRequest: HopRequest) => pinnedRequest(hopRequest, policy);

  let url = parseUrl(request.url);
  let method: string = request.method;
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'botpe-engine' };
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  let body: string | undefined;
  if (request.body) {
    body = request.body.type === 'json' ? JSON.stringify(request.body.value) : request.body.value;
    headers['content-type'] ??=
      request.body.type === 'json' ? 'application/json' : 'text/plain; charset=utf-8';
  }
  if (method !== 'GET') headers['idempotency-key'] ??= context.idempotencyKey;

  for (let redirects = 0; ; redirects++) {
    const response = await hop({
      url,
      method,
      headers,
      body,
      maxResponseBytes: request.maxResponseBytes,
      signal: context.signal,
    });
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.status) || !location)
      return { status: response.status, body: parseJson(response.body) };
    if (redirects === MAX_REDIRECTS) {
      throw httpError(
        'HTTP_TOO_MANY_REDIRECTS',
        `more than ${MAX_REDIRECTS} redirects, the last from ${url.origin}`,
        {
          details: { maxRedirects: MAX_REDIRECTS },
        },
      );
    }
    const next = parseUrl(location, url);
    // 303, and 301/302 after a POST, continue as a GET without a body (what every client does).
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === 'POST')
    ) {
      method = 'GET';
      body = undefined;
      delete headers['content-type'];
      delete headers['idempotency-key'];
    }
    if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
    url = next;
  }
}

const isHttpResult = (value: unknown): value is HttpResult =>
  typeof value === 'object' && value !== null && typeof (value as { status?: unknown }).status === 'number';

/**
 * `http`: calls an HTTP API and maps its JSON response to variables. 2xx → `success`; any other
 * status, a timeout, a refused address or a network failure → `error`. Requests to loopback,
 * private, link-local and metadata addresses are refused unless `http.allowPrivateNetwork` is set.
 *
 * @example
 * { "id": "weather", "type": "http", "data": {
 *     "method": "GET", "url": "https://api.example.com/weather?city={{city}}",
 *     "map": [{ "variable": "temperature", "path": "current.temp" }], "statusVariable": "status" } }
 */
export const httpNode = defineNode<HttpData>({
  type: 'http',
  data: httpData,
  handles: () => [{ id: 'success' }, { id: 'error' }],
  settles: true,
  waits: () => false,
  writes: (data) => [
    ...(data.map ?? []).map((entry) => entry.variable),
    ...(data.statusVariable ? [data.statusVariable] : []),
  ],
  lint: (data) => lintHttp(data),
  enter: (context) => {
    const { data } = context;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(data.headers ?? {})) headers[name] = context.text(value);
    let body: HttpRequest['body'];
    if (typeof data.body === 'string') body = { type: 'text', value: context.text(data.body) };
    else if (data.body !== undefined) body = { type: 'json', value: context.interpolate(data.body) };
    const request: HttpRequest = {
      method: data.method,
      url: renderUrl(context),
      headers,
      body,
      maxResponseBytes: data.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    };
    return { effect: { request, timeoutMs: data.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS } };
  },
  runEffect: (request, context) => send(request as HttpRequest, context),
  onEffectResult: (context, result) => {
    const { map = [], statusVariable } = context.data;
    if (!result.ok || !isHttpResult(result.value)) {
      // No response: a stale status from an earlier call must not survive.
      return { ...(statusVariable ? { unset: [statusVariable] } : {}), next: 'error' };
    }
    const { status, body } = result.value;
    const set: Record<string, unknown> = statusVariable ? { [statusVariable]: status } : {};
    if (status < 200 || status > 299) return { set, next: 'error' };
    const unset: string[] = [];
    for (const { variable, path } of map) {
      const value = path === WHOLE_BODY ? body : readPath(body, path);
      if (value === undefined) unset.push(variable);
      else set[variable] = value;
    }
    return { set, unset, next: 'success' };
  },
});
