import diagnostics from 'node:diagnostics_channel';
import { BotpeError } from '@botpe/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AddressClass,
  classifyAddress,
  type LookupAll,
  pinnedRequest,
  resolveChecked,
} from '../src/nodes/ssrf.js';

const table: Array<[string, AddressClass]> = [
  // IPv4
  ['8.8.8.8', 'public'],
  ['93.184.215.14', 'public'],
  ['1.1.1.1', 'public'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.15.255.255', 'public'],
  ['172.32.0.0', 'public'],
  ['192.168.1.1', 'private'],
  ['169.254.0.1', 'linkLocal'],
  ['169.254.169.254', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['168.63.129.16', 'metadata'],
  ['100.64.0.1', 'sharedAddressSpace'],
  ['100.127.255.255', 'sharedAddressSpace'],
  ['100.63.255.255', 'public'],
  ['100.128.0.0', 'public'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.10', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['203.0.113.7', 'reserved'],
  // IPv6
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::', 'unspecified'],
  ['fc00::1', 'uniqueLocal'],
  ['fd12:3456::1', 'uniqueLocal'],
  ['fd00:ec2::254', 'metadata'],
  ['fe80::1', 'linkLocal'],
  ['fe80::1%eth0', 'linkLocal'],
  ['febf::1', 'linkLocal'],
  ['ff02::1', 'multicast'],
  ['2001:4860:4860::8888', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['2001:db8::1', 'reserved'],
  ['2001::1', 'reserved'],
  ['100::1', 'reserved'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:8.8.8.8', 'public'],
  ['::127.0.0.1', 'loopback'],
  ['::7f00:1', 'loopback'],
  ['::ffff:0:127.0.0.1', 'loopback'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b::808:808', 'public'],
  ['2002:7f00:1::1', 'loopback'],
  ['2002:0808:0808::1', 'public'],
  // Not an IP literal
  ['localhost', 'invalid'],
  ['127.1', 'invalid'],
  ['', 'invalid'],
  ['1.2.3.256', 'invalid'],
  ['::ffff:1.2.3', 'invalid'],
];

describe('classifyAddress', () => {
  it.each(table)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

/** Every TCP client socket the process opens while a test runs: blocked requests must open none. */
const sockets: unknown[] = [];
const onSocket = (message: unknown) => sockets.push(message);
beforeAll(() => diagnostics.subscribe('net.client.socket', onSocket));
afterAll(() => diagnostics.unsubscribe('net.client.socket', onSocket));

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return BotpeError.isInstance(error) ? error.code : `not a BotpeError: ${String(error)}`;
  }
};

const fixedLookup =
  (answers: Record<string, string[]>, calls: string[] = []): LookupAll =>
  async (hostname) => {
    calls.push(hostname);
    const addresses = answers[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('resolveChecked', () => {
  const signal = new AbortController().signal;

  it('checks an IP literal without DNS', async () => {
    const calls: string[] = [];
    const lookup = fixedLookup({}, calls);
    expect(await resolveChecked('8.8.8.8', { allowPrivateNetwork: false, lookup }, signal)).toEqual({
      address: '8.8.8.8',
      family: 4,
    });
    expect(await codeOf(resolveChecked('[::1]', { allowPrivateNetwork: false, lookup }, signal))).toBe(
      'HTTP_BLOCKED_ADDRESS',
    );
    expect(calls).toEqual([]);
  });

  it('refuses a host name when any of its addresses is not public', async () => {
    const lookup = fixedLookup({
      'mixed.example.test': ['8.8.8.8', '10.0.0.1'],
      'inside.example.test': ['127.0.0.1'],
    });
    expect(
      await codeOf(resolveChecked('mixed.example.test', { allowPrivateNetwork: false, lookup }, signal)),
    ).toBe('HTTP_BLOCKED_ADDRESS');
    expect(
      await codeOf(resolveChecked('inside.example.test', { allowPrivateNetwork: false, lookup }, signal)),
    ).toBe('HTTP_BLOCKED_ADDRESS');
  });

  it('says which address was refused and why', async () => {
    const lookup = fixedLookup({ 'meta.example.test': ['169.254.169.254'] });
    const error = await resolveChecked(
      'meta.example.test',
      { allowPrivateNetwork: false, lookup },
      signal,
    ).catch((caught: unknown) => caught);
    expect(BotpeError.isInstance(error)).toBe(true);
    expect((error as BotpeError).details).toEqual({
      hostname: 'meta.example.test',
      address: '169.254.169.254',
      addressClass: 'metadata',
    });
    expect((error as BotpeError).message).toMatch(/^\[@botpe\/engine\] refused/);
  });

  it('lets private addresses through only when the policy allows them', async () => {
    const lookup = fixedLookup({ 'inside.example.test': ['10.0.0.1'] });
    expect(
      await resolveChecked('inside.example.test', { allowPrivateNetwork: true, lookup }, signal),
    ).toEqual({ address: '10.0.0.1', family: 4 });
  });

  it('fails with HTTP_DNS_FAILED for a name that does not resolve', async () => {
    const lookup = fixedLookup({ 'empty.example.test': [] });
    expect(
      await codeOf(resolveChecked('missing.example.test', { allowPrivateNetwork: false, lookup }, signal)),
    ).toBe('HTTP_DNS_FAILED');
    expect(
      await codeOf(resolveChecked('empty.example.test', { allowPrivateNetwork: false, lookup }, signal)),
    ).toBe('HTTP_DNS_FAILED');
  });

  it('gives up when the signal aborts during a slow lookup', async () => {
    const controller = new AbortController();
    const never: LookupAll = () => new Promise(() => {});
    const pending = resolveChecked(
      'slow.example.test',
      { allowPrivateNetwork: false, lookup: never },
      controller.signal,
    );
    controller.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow('deadline');
  });

  it('refuses localhost through the system resolver', async () => {
    expect(await codeOf(resolveChecked('localhost', { allowPrivateNetwork: false }, signal))).toBe(
      'HTTP_BLOCKED_ADDRESS',
    );
  });
});

describe('pinnedRequest refuses before connecting', () => {
  const request = (url: string) => ({
    url: new URL(url),
    method: 'GET',
    headers: {},
    body: undefined,
    maxResponseBytes: 1024,
    signal: new AbortController().signal,
  });
  const lookup = fixedLookup({ 'rebind.example.test': ['127.0.0.1'] });

  it.each([
    'http://127.0.0.1:9/',
    'http://[::1]:9/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://[::ffff:127.0.0.1]:9/',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
    'http://0.0.0.0:9/',
    'http://2130706433:9/',
    'http://0x7f.1:9/',
    'https://rebind.example.test/',
  ])('%s', async (url) => {
    sockets.length = 0;
    expect(await codeOf(pinnedRequest(request(url), { allowPrivateNetwork: false, lookup }))).toBe(
      'HTTP_BLOCKED_ADDRESS',
    );
    expect(sockets).toHaveLength(0);
  });

  it('does open a socket when the address is allowed (the check above can fail)', async () => {
    sockets.length = 0;
    // Port 9 (discard) on loopback has no listener here: the connect is attempted and refused.
    expect(await codeOf(pinnedRequest(request('http://127.0.0.1:9/'), { allowPrivateNetwork: true }))).toBe(
      'HTTP_REQUEST_FAILED',
    );
    expect(sockets.length).toBeGreaterThan(0);
  });

  it('refuses other schemes', async () => {
    expect(await codeOf(pinnedRequest(request('file:///etc/passwd'), { allowPrivateNetwork: false }))).toBe(
      'HTTP_INVALID_URL',
    );
  });
});
