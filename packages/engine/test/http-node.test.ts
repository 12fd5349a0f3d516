import { execFileSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EngineEvent, type HttpOptions, parseFlow, type StepResult } from '@botpe/engine';
import { createTestHarness } from '@botpe/engine/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HttpServiceOptions, networkPolicyOverride } from '../src/nodes/http.js';
import { type AddressClass, classifyAddress, type LookupAll } from '../src/nodes/ssrf.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server on a loopback address that records what it receives. */
async function startServer(
  handler: (request: Received, response: ServerResponse) => void,
  host = '127.0.0.1',
) {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      handler(entry, response);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const running = {
    origin: `http://${host}:${port}`,
    port,
    received,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(running);
  return running;
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const json = (response: ServerResponse, status: number, value: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
};

/** start → http → end "ok" (success) / end "ko" (error). */
function httpFlow(data: Record<string, unknown>) {
  return {
    schema: 'botpe.flow/v1',
    id: 'http-test',
    version: 1,
    nodes: [
      { id: 'start', type: 'start', data: {} },
      { id: 'call', type: 'http', data: { statusVariable: 'status', ...data } },
      { id: 'ok', type: 'end', data: { text: 'ok {{status}}' } },
      { id: 'ko', type: 'end', data: { text: 'ko {{status}}' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'call' },
      { id: 'e2', source: 'call', sourceHandle: 'success', target: 'ok' },
      { id: 'e3', source: 'call', sourceHandle: 'error', target: 'ko' },
    ],
  };
}

const allowed: HttpOptions = { allowPrivateNetwork: true };

/** Default settings (private networks refused) with a test-only resolver or classifier. */
const withPolicy = (
  policy: NonNullable<HttpServiceOptions[typeof networkPolicyOverride]>,
): HttpServiceOptions => ({
  allowPrivateNetwork: false,
  [networkPolicyOverride]: policy,
});

const failures = (result: StepResult) =>
  result.events.filter(
    (event): event is Extract<EngineEvent, { type: 'effect.failed' }> => event.type === 'effect.failed',
  );

/** Every TCP client socket opened: a refused address must open none. */
const sockets: unknown[] = [];
const onSocket = (message: unknown) => sockets.push(message);
beforeAll(() => diagnostics.subscribe('net.client.socket', onSocket));
afterAll(() => diagnostics.unsubscribe('net.client.socket', onSocket));

describe('http node: requests', () => {
  it('GETs JSON and maps it into variables', async () => {
    const server = await startServer((_request, response) =>
      json(response, 200, { data: { items: [{ name: 'Margherita', price: 9.5 }] }, total: 3 }),
    );
    const bot = createTestHarness(
      httpFlow({
        method: 'GET',
        url: `${server.origin}/menu?q={{$input}}&user={{contact.id}}`,
        headers: { 'X-Customer': '{{contact.name}}', Accept: 'application/vnd.test+json' },
        map: [
          { variable: 'first', path: 'data.items[0].name' },
          { variable: 'order.price', path: 'data.items[0].price' },
          { variable: 'total', path: 'total' },
          { variable: 'everything', path: '$' },
          { variable: 'missing', path: 'data.nothing.here' },
        ],
      }),
      { http: allowed, contact: { name: 'Ana', id: '15550001111' } },
    );
    const result = await bot.send('pizza & beer=1 #top');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ok 200' }]);
    expect(result.variables).toMatchObject({
      status: 200,
      first: 'Margherita',
      order: { price: 9.5 },
      total: 3,
    });
    expect(result.variables.everything).toEqual({
      data: { items: [{ name: 'Margherita', price: 9.5 }] },
      total: 3,
    });
    expect('missing' in result.variables).toBe(false);

    const [request] = server.received;
    expect(request!.method).toBe('GET');
    // Values inside the URL are percent-encoded: the input stays one query parameter.
    const query = new URL(request!.url, server.origin).searchParams;
    expect(query.get('q')).toBe('pizza & beer=1 #top');
    expect(query.get('user')).toBe('15550001111');
    expect([...query.keys()]).toEqual(['q', 'user']);
    expect(request!.headers['x-customer']).toBe('Ana');
    expect(request!.headers.accept).toBe('application/vnd.test+json');
    expect(request!.headers['idempotency-key']).toBeUndefined();
    expect(request!.headers.host).toBe(`127.0.0.1:${server.port}`);
  });

  it('inserts a leading placeholder as it is, so a base URL can come from a variable', async () => {
    const server = await startServer((_request, response) => json(response, 200, {}));
    const flow = httpFlow({ method: 'GET', url: '{{base}}/v1/{{$input}}' });
    const bot = createTestHarness(
      { ...flow, variables: [{ name: 'base', default: server.origin }] },
      { http: allowed },
    );
    await bot.send('a/b');
    expect(server.received[0]!.url).toBe('/v1/a%2Fb');
  });

  it('POSTs a JSON body whose strings are interpolated, with an idempotency key', async () => {
    const server = await startServer((_request, response) => json(response, 201, { id: 'ord-1' }));
    const bot = createTestHarness(
      httpFlow({
        method: 'POST',
        url: `${server.origin}/orders`,
        body: {
          customer: '{{contact.name}}',
          note: 'says "{{$input}}"',
          quantity: 2,
          tags: ['{{$input}}', true, null],
        },
        map: [{ variable: 'orderId', path: 'id' }],
      }),
      { http: allowed, contact: { name: 'Ana' } },
    );
    const result = await bot.send('extra "cheese"');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ok 201' }]);
    expect(result.variables.orderId).toBe('ord-1');
    const [request] = server.received;
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({
      customer: 'Ana',
      note: 'says "extra "cheese""',
      quantity: 2,
      tags: ['extra "cheese"', true, null],
    });
    expect(request!.headers['idempotency-key']).toBe(
      `${bot.conversation.channel}:${bot.conversation.botId}:${bot.conversation.userId}:1:call`,
    );
  });

  it('sends a string body as text, and honours a content-type header', async () => {
    const server = await startServer((_request, response) => json(response, 200, {}));
    const bot = createTestHarness(
      httpFlow({
        method: 'PUT',
        url: `${server.origin}/note`,
        body: 'name={{contact.name}}',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
      { http: allowed, contact: { name: 'Ana' } },
    );
    await bot.send('hi');
    expect(server.received[0]!.body).toBe('name=Ana');
    expect(server.received[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('takes error on a non-2xx status, with the status stored and nothing mapped', async () => {
    const server = await startServer((_request, response) => json(response, 404, { name: 'not found' }));
    const bot = createTestHarness(
      httpFlow({ method: 'DELETE', url: `${server.origin}/x`, map: [{ variable: 'name', path: 'name' }] }),
      { http: allowed },
    );
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ko 404' }]);
    expect(result.variables.status).toBe(404);
    expect('name' in result.variables).toBe(false);
  });

  it('takes error on a timeout, aborts the request, and leaves no status', async () => {
    let closedByClient: Promise<void> | undefined;
    const server = await startServer((_request, response) => {
      closedByClient = new Promise((resolve) => response.on('close', () => resolve()));
    });
    const bot = createTestHarness(httpFlow({ method: 'GET', url: `${server.origin}/slow`, timeoutMs: 150 }), {
      http: allowed,
    });
    const began = performance.now();
    const result = await bot.send('hi');
    const elapsed = performance.now() - began;
    expect(result.outbound).toEqual([{ type: 'text', text: 'ko ' }]);
    expect('status' in result.variables).toBe(false);
    // Regression: the aborted request's late rejection used to report a second failure.
    expect(failures(result).map((failure) => failure.code)).toEqual(['EFFECT_TIMEOUT']);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2000);
    await closedByClient; // the server sees the connection go: the request was really aborted
  });

  it('refuses a response larger than maxResponseBytes (declared or streamed)', async () => {
    const server = await startServer((request, response) => {
      if (request.url === '/declared') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
        response.end('x'.repeat(5000));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('"');
      const timer = setInterval(() => response.write('y'.repeat(400)), 1);
      response.on('close', () => clearInterval(timer));
    });
    for (const path of ['/declared', '/streamed']) {
      const bot = createTestHarness(
        httpFlow({ method: 'GET', url: `${server.origin}${path}`, maxResponseBytes: 1000, timeoutMs: 5000 }),
        { http: allowed },
      );
      const result = await bot.send('hi');
      expect(result.outbound).toEqual([{ type: 'text', text: 'ko ' }]);
      expect(failures(result).map((failure) => failure.code)).toEqual(['HTTP_TOO_LARGE']);
    }
  });

  it('succeeds with the status but maps nothing when the body is not JSON', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"broken": ');
    });
    const bot = createTestHarness(
      httpFlow({
        method: 'GET',
        url: server.origin,
        map: [
          { variable: 'broken', path: 'broken' },
          { variable: 'all', path: '$' },
        ],
      }),
      {
        http: allowed,
      },
    );
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ok 200' }]);
    expect('broken' in result.variables).toBe(false);
    expect('all' in result.variables).toBe(false);
  });

  it('follows redirects, turning a POST into a GET on 303 and keeping it on 307', async () => {
    const server = await startServer((request, response) => {
      const hops = Number(new URL(request.url, 'http://x').searchParams.get('hops') ?? 0);
      if (request.url.startsWith('/see-other'))
        return void response.writeHead(303, { location: '/final' }).end();
      if (request.url.startsWith('/temporary'))
        return void response.writeHead(307, { location: '/final' }).end();
      if (request.url.startsWith('/chain') && hops > 0)
        return void response.writeHead(302, { location: `/chain?hops=${hops - 1}` }).end();
      json(response, 200, { method: request.method, body: request.body });
    });
    const run = async (method: string, path: string) => {
      const bot = createTestHarness(
        httpFlow({
          method,
          url: `${server.origin}${path}`,
          body: { a: 1 },
          map: [{ variable: 'seen', path: '$' }],
        }),
        { http: allowed },
      );
      return bot.send('hi');
    };
    expect((await run('POST', '/see-other')).variables.seen).toEqual({ method: 'GET', body: '' });
    expect((await run('POST', '/temporary')).variables.seen).toEqual({ method: 'POST', body: '{"a":1}' });
    expect((await run('PUT', '/chain?hops=5')).variables.seen).toEqual({ method: 'PUT', body: '{"a":1}' });
    const tooMany = await run('PUT', '/chain?hops=6');
    expect(tooMany.outbound).toEqual([{ type: 'text', text: 'ko ' }]);
    expect(failures(tooMany).map((failure) => failure.code)).toEqual(['HTTP_TOO_MANY_REDIRECTS']);
  });

  it('takes error for a URL or header that is invalid once filled, without echoing the URL', async () => {
    const server = await startServer((_request, response) => json(response, 200, {}));
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ url: '{{$input}}' }, 'not a url?token=secret-test-value', 'HTTP_INVALID_URL'],
      [{ url: '{{$input}}' }, 'ftp://files.example.com/secret-test-value', 'HTTP_INVALID_URL'],
      [
        { url: server.origin, headers: { 'X-Note': '{{$input}}' } },
        'a\r\nX-Injected: 1',
        'HTTP_INVALID_REQUEST',
      ],
    ];
    for (const [data, input, code] of cases) {
      const bot = createTestHarness(httpFlow({ method: 'GET', ...data }), { http: allowed });
      const result = await bot.send(input);
      expect(result.outbound).toEqual([{ type: 'text', text: 'ko ' }]);
      const [failure] = failures(result);
      expect(failure?.code).toBe(code);
      expect(failure?.message).not.toContain('secret-test-value');
    }
    expect(server.received).toHaveLength(0);
  });

  it('uses the host fetch only when private networks are allowed', async () => {
    const server = await startServer((_request, response) => json(response, 200, { via: 'server' }));
    let calls = 0;
    const countingFetch: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const bot = createTestHarness(
      httpFlow({ method: 'GET', url: server.origin, map: [{ variable: 'via', path: 'via' }] }),
      {
        http: { allowPrivateNetwork: true, fetch: countingFetch },
      },
    );
    const result = await bot.send('hi');
    expect(result.variables.via).toBe('server');
    expect(calls).toBe(1);

    const refused = createTestHarness(httpFlow({ method: 'GET', url: server.origin }), {
      http: { fetch: countingFetch },
    });
    expect(failures(await refused.send('hi')).map((failure) => failure.code)).toEqual([
      'HTTP_BLOCKED_ADDRESS',
    ]);
    expect(calls).toBe(1);
  });
});

describe('http node: SSRF protection (default settings)', () => {
  it.each([
    ['loopback IPv4', (port: number) => `http://127.0.0.1:${port}/`],
    ['loopback IPv6', (port: number) => `http://[::1]:${port}/`],
    ['IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`],
    ['decimal loopback', (port: number) => `http://2130706433:${port}/`],
    ['localhost', (port: number) => `http://localhost:${port}/`],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['private network', () => 'http://10.0.0.1/admin'],
  ])('refuses %s before any connection', async (_name, url) => {
    const server = await startServer((_request, response) => json(response, 200, { leaked: true }));
    sockets.length = 0;
    const bot = createTestHarness(
      httpFlow({ method: 'GET', url: url(server.port), map: [{ variable: 'leaked', path: 'leaked' }] }),
    );
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ko ' }]);
    expect(failures(result).map((failure) => failure.code)).toEqual(['HTTP_BLOCKED_ADDRESS']);
    expect(result.variables.leaked).toBeUndefined();
    expect(sockets).toHaveLength(0);
    expect(server.connections).toBe(0);
  });

  it('refuses a host name that resolves to loopback (injected resolver)', async () => {
    const server = await startServer((_request, response) => json(response, 200, {}));
    const lookup: LookupAll = async () => [{ address: '127.0.0.1', family: 4 }];
    sockets.length = 0;
    const bot = createTestHarness(
      httpFlow({ method: 'GET', url: `http://api.example.test:${server.port}/` }),
      {
        http: withPolicy({ lookup }),
      },
    );
    expect(failures(await bot.send('hi')).map((failure) => failure.code)).toEqual(['HTTP_BLOCKED_ADDRESS']);
    expect(sockets).toHaveLength(0);
    expect(server.connections).toBe(0);
  });

  /** Treats 127.0.0.2 as a public address, so a loopback server can stand in for a public host. */
  const classify = (address: string): AddressClass =>
    address === '127.0.0.2' ? 'public' : classifyAddress(address);

  it('connects to the checked address only: a second, different DNS answer is never asked for', async () => {
    const outside = await startServer(
      (request, response) => json(response, 200, { host: request.headers.host }),
      '127.0.0.2',
    );
    const inside = await startServer((_request, response) => json(response, 200, { host: 'inside' }));
    const answers = ['127.0.0.2', '127.0.0.1'];
    const calls: string[] = [];
    const lookup: LookupAll = async (hostname) => {
      calls.push(hostname);
      return [{ address: answers[calls.length - 1] ?? '127.0.0.1', family: 4 }];
    };
    const bot = createTestHarness(
      httpFlow({
        method: 'GET',
        url: `http://api.example.test:${outside.port}/`,
        map: [{ variable: 'host', path: 'host' }],
      }),
      {
        http: withPolicy({ lookup, classify }),
      },
    );
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ok 200' }]);
    // The Host header keeps the name; the socket went to the address that was checked.
    expect(result.variables.host).toBe(`api.example.test:${outside.port}`);
    expect(calls).toEqual(['api.example.test']);
    expect(outside.connections).toBe(1);
    expect(inside.connections).toBe(0);
  });

  it('refuses a name when any of its addresses is internal', async () => {
    const outside = await startServer((_request, response) => json(response, 200, {}), '127.0.0.2');
    const lookup: LookupAll = async () => [
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    const bot = createTestHarness(
      httpFlow({ method: 'GET', url: `http://api.example.test:${outside.port}/` }),
      {
        http: withPolicy({ lookup, classify }),
      },
    );
    expect(failures(await bot.send('hi')).map((failure) => failure.code)).toEqual(['HTTP_BLOCKED_ADDRESS']);
    expect(outside.connections).toBe(0);
  });

  it('re-checks every redirect hop: a public host redirecting to loopback is refused', async () => {
    const inside = await startServer((_request, response) => json(response, 200, { secret: 'internal' }));
    const outside = await startServer(
      (_request, response) =>
        void response.writeHead(302, { location: `http://127.0.0.1:${inside.port}/admin` }).end(),
      '127.0.0.2',
    );
    const bot = createTestHarness(
      httpFlow({ method: 'GET', url: `${outside.origin}/`, map: [{ variable: 'secret', path: 'secret' }] }),
      {
        http: withPolicy({ classify }),
      },
    );
    const result = await bot.send('hi');
    expect(result.outbound).toEqual([{ type: 'text', text: 'ko ' }]);
    expect(failures(result).map((failure) => failure.code)).toEqual(['HTTP_BLOCKED_ADDRESS']);
    expect(result.variables.secret).toBeUndefined();
    expect(outside.received).toHaveLength(1);
    expect(inside.connections).toBe(0);
  });

  it('keeps the host name for TLS (SNI and certificate check) while connecting to the checked address', async () => {
    // A throwaway self-signed certificate for the name; the client must use the name and refuse the certificate.
    const directory = mkdtempSync(join(tmpdir(), 'botpe-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=api.example.test',
          '-addext',
          'subjectAltName=DNS:api.example.test',
          '-keyout',
          join(directory, 'key.pem'),
          '-out',
          join(directory, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
    } catch {
      console.warn('[http-node.test] openssl is not available: the TLS pinning test is SKIPPED');
      rmSync(directory, { recursive: true, force: true });
      return;
    }
    const key = readFileSync(join(directory, 'key.pem'));
    const cert = readFileSync(join(directory, 'cert.pem'));
    rmSync(directory, { recursive: true, force: true });
    const serverNames: string[] = [];
    const server = createHttpsServer(
      {
        key,
        cert,
        SNICallback: (name, done) => {
          serverNames.push(name);
          done(null, undefined);
        },
      },
      (_request, response) => json(response, 200, {}),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const { port } = server.address() as AddressInfo;
    servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const lookup: LookupAll = async () => [{ address: '127.0.0.2', family: 4 }];
    const bot = createTestHarness(httpFlow({ method: 'GET', url: `https://api.example.test:${port}/` }), {
      http: withPolicy({ lookup, classify }),
    });
    const result = await bot.send('hi');
    const [failure] = failures(result);
    expect(failure?.code).toBe('HTTP_REQUEST_FAILED');
    expect(failure?.message).toMatch(/self[- ]signed certificate/);
    expect(serverNames).toEqual(['api.example.test']);
  });

  it('drops credentials when a redirect leaves the origin', async () => {
    const second = await startServer((request, response) =>
      json(response, 200, { authorization: request.headers.authorization ?? null }),
    );
    const first = await startServer(
      (_request, response) => void response.writeHead(302, { location: `${second.origin}/` }).end(),
      '127.0.0.2',
    );
    const bot = createTestHarness(
      httpFlow({
        method: 'GET',
        url: `${first.origin}/`,
        headers: { Authorization: 'Bearer test-token' },
        map: [{ variable: 'authorization', path: 'authorization' }],
      }),
      { http: allowed },
    );
    const result = await bot.send('hi');
    expect(first.received[0]!.headers.authorization).toBe('Bearer test-token');
    expect(result.variables.authorization).toBeNull();
  });
});

describe('http node: validation', () => {
  const issues = (data: Record<string, unknown>) => {
    const result = parseFlow(httpFlow(data));
    return result.errors.map((issue) => ({ code: issue.code, path: issue.path.join('.') }));
  };

  it('accepts http(s) URLs and URLs that start with a variable', () => {
    expect(issues({ method: 'GET', url: 'https://api.example.com/x?q={{$input}}' })).toEqual([]);
    expect(issues({ method: 'GET', url: '{{base}}/x' })).toEqual([]);
    expect(
      issues({ method: 'GET', url: { en: 'https://api.example.com/en', pt: 'https://api.example.com/pt' } }),
    ).toEqual([]);
  });

  it.each([
    'ftp://files.example.com/a',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'api.example.com/x',
    '/relative/{{id}}',
    'http://exa mple.com',
  ])('refuses the URL %s', (url) => {
    expect(issues({ method: 'GET', url })).toEqual([{ code: 'node.invalidData', path: 'nodes.1.data.url' }]);
  });

  it('refuses headers the engine owns, bad map paths and unknown methods', () => {
    expect(issues({ method: 'GET', url: 'https://a.example.com', headers: { Host: 'internal' } })).toEqual([
      { code: 'node.invalidData', path: 'nodes.1.data.headers.Host' },
    ]);
    expect(
      issues({ method: 'GET', url: 'https://a.example.com', map: [{ variable: 'x', path: 'a..b' }] }),
    ).toEqual([{ code: 'node.invalidData', path: 'nodes.1.data.map.0.path' }]);
    expect(issues({ method: 'TRACE', url: 'https://a.example.com' }).map((issue) => issue.code)).toEqual([
      'node.invalidData',
    ]);
  });

  it('declares the variables it writes', () => {
    const flow = httpFlow({
      method: 'GET',
      url: 'https://a.example.com',
      map: [{ variable: 'city', path: 'city' }],
    });
    flow.nodes[2]!.data = { text: '{{city}} {{status}}' };
    const result = parseFlow(flow);
    expect(result.warnings.filter((issue) => issue.code === 'variable.neverWritten')).toEqual([]);
  });
});
