/**
 * Server-side request forgery protection for the `http` node: classify IP addresses, resolve a host
 * name once and check every address it resolves to, then connect to the address that was checked
 * (so a DNS answer that changes between the check and the connect — DNS rebinding — cannot reach
 * an internal address).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { BotpeError, describeError } from '../errors.js';

/** What kind of address an IP is. Only `public` is reachable unless `allowPrivateNetwork` is set. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'linkLocal'
  | 'sharedAddressSpace'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'uniqueLocal'
  | 'reserved'
  | 'invalid';

/** The error codes the http node's requests fail with (carried in the effect's error). */
export type HttpErrorCode =
  | 'HTTP_BLOCKED_ADDRESS'
  | 'HTTP_DNS_FAILED'
  | 'HTTP_INVALID_URL'
  | 'HTTP_INVALID_REQUEST'
  | 'HTTP_TOO_LARGE'
  | 'HTTP_TOO_MANY_REDIRECTS'
  | 'HTTP_REQUEST_FAILED';

/**
 * An error of an http request, with one of the `HttpErrorCode`s. `retryable` is true for failures a
 * later attempt may not hit (DNS, network).
 *
 * @example
 * throw httpError('HTTP_TOO_LARGE', 'the response is larger than 1048576 bytes');
 */
export function httpError(
  code: HttpErrorCode,
  message: string,
  options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {},
) {
  return new BotpeError(code, `[@botpe/engine] ${message}`, options);
}

/** Cloud metadata endpoints, refused even where their range might someday be allowed. */
const METADATA_V4 = new Set(['169.254.169.254', '100.100.100.200', '168.63.129.16'].map(ipv4));

type Range = readonly [base: number, prefix: number, kind: AddressClass];

/** IPv4 ranges that are not globally reachable (IANA special-purpose registry), most specific first. */
const V4_RANGES: readonly Range[] = [
  [ipv4('255.255.255.255'), 32, 'broadcast'],
  [ipv4('0.0.0.0'), 8, 'unspecified'],
  [ipv4('10.0.0.0'), 8, 'private'],
  [ipv4('100.64.0.0'), 10, 'sharedAddressSpace'],
  [ipv4('127.0.0.0'), 8, 'loopback'],
  [ipv4('169.254.0.0'), 16, 'linkLocal'],
  [ipv4('172.16.0.0'), 12, 'private'],
  [ipv4('192.0.0.0'), 24, 'reserved'],
  [ipv4('192.0.2.0'), 24, 'reserved'],
  [ipv4('192.88.99.0'), 24, 'reserved'],
  [ipv4('192.168.0.0'), 16, 'private'],
  [ipv4('198.18.0.0'), 15, 'reserved'],
  [ipv4('198.51.100.0'), 24, 'reserved'],
  [ipv4('203.0.113.0'), 24, 'reserved'],
  [ipv4('224.0.0.0'), 4, 'multicast'],
  [ipv4('240.0.0.0'), 4, 'reserved'],
];

/** Parses strict dotted-quad IPv4 to an unsigned 32-bit number; NaN when it is not one. */
function ipv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return Number.NaN;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return Number.NaN;
    const octet = Number(part);
    if (octet > 255) return Number.NaN;
    value = value * 256 + octet;
  }
  return value;
}

function classifyV4(value: number): AddressClass {
  if (METADATA_V4.has(value)) return 'metadata';
  for (const [base, prefix, kind] of V4_RANGES) {
    const size = 2 ** (32 - prefix);
    if (Math.floor(value / size) === Math.floor(base / size)) return kind;
  }
  return 'public';
}

/** Parses IPv6 (with `::`, an IPv4 tail and a `%zone`) to eight 16-bit groups; null when invalid. */
function ipv6(text: string): number[] | null {
  let rest = text.split('%')[0]!.toLowerCase();
  const groups: number[] = [];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  let tailGroups: number[] = [];
  if (tail) {
    const value = ipv4(tail[1]!);
    if (Number.isNaN(value)) return null;
    tailGroups = [Math.floor(value / 65536), value % 65536];
    rest = rest.slice(0, -tail[1]!.length);
    if (rest.endsWith(':') && !rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const parse = (half: string) => (half === '' ? [] : half.split(':'));
  const head = parse(halves[0]!);
  const back = halves.length === 2 ? parse(halves[1]!) : [];
  for (const group of [...head, ...back]) if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
  const explicit = head.length + back.length + tailGroups.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  groups.push(...head.map((group) => Number.parseInt(group, 16)));
  for (let index = 0; index < 8 - explicit; index++) groups.push(0);
  groups.push(...back.map((group) => Number.parseInt(group, 16)), ...tailGroups);
  return groups;
}

function classifyV6(groups: number[]): AddressClass {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const embedded = () => classifyV4(g6 * 65536 + g7);
  const zeroTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g7 === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d) and IPv4-compatible (::a.b.c.d)
  // reach the embedded IPv4 address, so they are what it is.
  if (zeroTo(5) && g5 === 0xffff) return embedded();
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return embedded();
  if (zeroTo(6)) return embedded();
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embedded(); // NAT64
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'reserved'; // local-use NAT64
  if (g0 === 0x2002) return classifyV4(g1 * 65536 + g2); // 6to4 carries an IPv4 address
  if (g0 === 0x2001 && g1 === 0) return 'reserved'; // Teredo hides its IPv4 address: refuse
  if (g0 === 0x2001 && g1 === 0xdb8) return 'reserved'; // documentation
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // discard-only
  if (
    g0 === 0xfd00 &&
    g1 === 0xec2 &&
    g2 === 0 &&
    g3 === 0 &&
    g4 === 0 &&
    g5 === 0 &&
    g6 === 0 &&
    g7 === 0x254
  )
    return 'metadata';
  if ((g0 & 0xfe00) === 0xfc00) return 'uniqueLocal';
  if ((g0 & 0xffc0) === 0xfe80) return 'linkLocal';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if ((g0 & 0xe000) !== 0x2000) return 'reserved'; // only 2000::/3 is global unicast
  return 'public';
}

/**
 * Classifies an IP address (IPv4 dotted quad, or IPv6 with or without brackets). Anything that is not
 * a valid IP literal is `invalid`.
 *
 * @example
 * classifyAddress('10.0.0.1');          // 'private'
 * classifyAddress('::ffff:127.0.0.1');  // 'loopback'
 * classifyAddress('93.184.215.14');     // 'public'
 */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare.split('%')[0]!);
  if (family === 4) {
    const value = ipv4(bare);
    return Number.isNaN(value) ? 'invalid' : classifyV4(value);
  }
  if (family === 6) {
    const groups = ipv6(bare);
    return groups ? classifyV6(groups) : 'invalid';
  }
  return 'invalid';
}

/** A resolver with `dns.lookup`'s `{ all: true }` shape. */
export type LookupAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** How the http node reaches the network. Only `allowPrivateNetwork` is public configuration. */
export interface NetworkPolicy {
  allowPrivateNetwork: boolean;
  /** Resolves a host name to every address. Default: `dns.lookup` with `all: true`. */
  lookup?: LookupAll;
  /** Classifies an address. Default: `classifyAddress`. Tests may treat a loopback address as public. */
  classify?: (address: string) => AddressClass;
}

const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Rejects when the signal aborts, so a slow step (DNS) cannot outlive the deadline. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Resolves a URL's host once and checks every address it has; returns the one to connect to.
 * An IP literal is checked without DNS. Throws `HTTP_BLOCKED_ADDRESS` when any address is not
 * public (unless the policy allows private networks) and `HTTP_DNS_FAILED` when nothing resolves.
 *
 * @example
 * const { address, family } = await resolveChecked('api.example.com', { allowPrivateNetwork: false }, signal);
 */
export async function resolveChecked(
  hostname: string,
  policy: NetworkPolicy,
  signal: AbortSignal,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const literal = isIP(host);
  let addresses: Array<{ address: string; family: number }>;
  if (literal !== 0) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await abortable((policy.lookup ?? systemLookup)(host), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw httpError('HTTP_DNS_FAILED', `could not resolve "${host}": ${describeError(error)}`, {
        cause: error,
        retryable: true,
        details: { hostname: host },
      });
    }
    if (addresses.length === 0)
      throw httpError('HTTP_DNS_FAILED', `"${host}" has no address`, {
        retryable: true,
        details: { hostname: host },
      });
  }
  const classify = policy.classify ?? classifyAddress;
  for (const { address } of addresses) {
    const kind = classify(address);
    if (kind === 'invalid' || (kind !== 'public' && !policy.allowPrivateNetwork)) {
      throw httpError(
        'HTTP_BLOCKED_ADDRESS',
        `refused to connect to "${host}": ${address} is a ${kind} address (set http.allowPrivateNetwork to allow it)`,
        {
          details: { hostname: host, address, addressClass: kind },
        },
      );
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** One HTTP exchange, without following redirects. */
export interface HopRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  maxResponseBytes: number;
  signal: AbortSignal;
}

export interface HopResponse {
  status: number;
  /** Response headers, names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * Sends one request to an address checked by `resolveChecked`, through node:http or node:https.
 * The socket connects to that address only (a `lookup` that answers with it), while the Host
 * header and the TLS server name stay the URL's host name, so certificates are still verified
 * against the name. The body is read up to `maxResponseBytes`; more aborts with `HTTP_TOO_LARGE`.
 *
 * @example
 * const response = await pinnedRequest({ url, method: 'GET', headers: {}, body: undefined, maxResponseBytes: 1 << 20, signal },
 *   { allowPrivateNetwork: false });
 */
export async function pinnedRequest(request: HopRequest, policy: NetworkPolicy): Promise<HopResponse> {
  const { url, signal } = request;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw httpError('HTTP_INVALID_URL', `only http and https URLs can be called, not "${url.protocol}"`, {
      details: { protocol: url.protocol },
    });
  }
  const pinned = await resolveChecked(url.hostname, policy, signal);
  const pinnedLookup: LookupFunction = (_hostname, options, callback) => {
    // With autoSelectFamily (on by default in Node 20) net asks for every address at once.
    if (options.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const options: RequestOptions & { servername?: string } = {
    method: request.method,
    hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers: { ...request.headers, host: url.host },
    lookup: pinnedLookup,
    // A fresh connection per request: a pooled socket could belong to another host's answer.
    agent: false,
    signal,
    ...(url.username
      ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }
      : {}),
    ...(url.protocol === 'https:' && isIP(hostname) === 0 ? { servername: hostname } : {}),
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<HopResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      if (signal.aborted) reject(signal.reason);
      else if (BotpeError.isInstance(error)) reject(error);
      else
        reject(
          httpError('HTTP_REQUEST_FAILED', `request to ${url.origin} failed: ${describeError(error)}`, {
            cause: error,
            retryable: true,
            details: { origin: url.origin },
          }),
        );
    };
    let outgoing: ReturnType<typeof send>;
    try {
      outgoing = send(options, (response) => {
        const tooLarge = () =>
          httpError(
            'HTTP_TOO_LARGE',
            `the response from ${url.origin} is larger than ${request.maxResponseBytes} bytes`,
            {
              details: { origin: url.origin, maxResponseBytes: request.maxResponseBytes },
            },
          );
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > request.maxResponseBytes) {
          fail(tooLarge());
          outgoing.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > request.maxResponseBytes) {
            fail(tooLarge());
            outgoing.destroy();
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({
            status: response.statusCode ?? 0,
            headers: flattenHeaders(response.headers),
            body: Buffer.concat(chunks),
          });
        });
        response.on('error', fail);
        response.on('aborted', () => fail(new Error('the response was cut off')));
      });
    } catch (error) {
      // Invalid header names or values are rejected synchronously by node:http.
      reject(
        httpError('HTTP_INVALID_REQUEST', `invalid request to ${url.origin}: ${describeError(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    outgoing.on('error', fail);
    outgoing.end(request.body);
  });
}
