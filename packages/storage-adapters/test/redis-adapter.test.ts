import { testRecord } from '@botpe/engine/testing';
import { createRedisStore } from '@botpe/storage-adapters/redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCode } from './helpers/errors.js';
import { redisUrl, serviceAvailable } from './helpers/services.js';
import { uniqueNamespace } from './helpers/stores.js';

const available = await serviceAvailable('redis');

describe.skipIf(!available)('createRedisStore', () => {
  const admin = available ? new Redis(redisUrl) : undefined;
  const prefixes: string[] = [];
  const prefix = () => {
    const value = uniqueNamespace('redis-adapter');
    prefixes.push(value);
    return `${value}-${prefixes.length}`;
  };
  afterAll(async () => {
    for (const value of prefixes) {
      const keys = await admin!.keys(`{${value}-*`);
      if (keys.length > 0) await admin!.del(...keys);
    }
    admin?.disconnect();
  });

  it('rejects bad options with STORAGE_CONFIG_INVALID', async () => {
    await expectCode(() => createRedisStore({} as never), 'STORAGE_CONFIG_INVALID');
    await expectCode(() => createRedisStore({ url: redisUrl, prefix: '{tag}' }), 'STORAGE_CONFIG_INVALID');
  });

  it('keeps every key of a prefix in one hash tag, and records the layout version', async () => {
    const name = prefix();
    const store = createRedisStore({ url: redisUrl, prefix: name });
    await store.save(
      testRecord('k', 1, {
        dueAt: 5,
        outbox: [{ id: 'k:1:0', message: { type: 'text', text: 'x' }, createdAt: 0 }],
      }),
      null,
    );
    expect((await admin!.keys(`{${name}}:*`)).sort()).toEqual(
      [`{${name}}:layout`, `{${name}}:outbox`, `{${name}}:session:k`, `{${name}}:timers`].sort(),
    );
    expect(await admin!.get(`{${name}}:layout`)).toBe('1');
    await store.close();
  });

  it('refuses a layout written by a newer release (STORAGE_SCHEMA_TOO_NEW)', async () => {
    const name = prefix();
    await admin!.set(`{${name}}:layout`, '99');
    const store = createRedisStore({ url: redisUrl, prefix: name });
    await expectCode(store.load('k'), 'STORAGE_SCHEMA_TOO_NEW');
    await store.close();
  });

  it('reloads its CAS script after SCRIPT FLUSH', async () => {
    const store = createRedisStore({ url: redisUrl, prefix: prefix() });
    expect(await store.save(testRecord('k', 1), null)).toBe(true);
    await admin!.script('FLUSH');
    expect(await store.save(testRecord('k', 2), 1)).toBe(true);
    expect(await store.save(testRecord('k', 3), 1)).toBe(false);
    await store.close();
  });

  it('uses a client passed in and leaves it connected on close', async () => {
    const client = new Redis(redisUrl);
    const store = createRedisStore({ client, prefix: prefix() });
    expect(await store.save(testRecord('k', 1), null)).toBe(true);
    await store.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('reports a value that is not a record as STORAGE_RECORD_CORRUPT', async () => {
    const name = prefix();
    const store = createRedisStore({ url: redisUrl, prefix: name });
    await store.save(testRecord('k', 1), null);
    await admin!.hset(`{${name}}:session:k`, 'r', 'garbage');
    await expectCode(store.load('k'), 'STORAGE_RECORD_CORRUPT');
    await store.close();
    await expectCode(store.load('k'), 'STORAGE_CLOSED');
  });

  it('fails with a retryable STORAGE_FAILED when the server does not answer', async () => {
    const store = createRedisStore({
      url: 'redis://127.0.0.1:1',
      redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 },
    });
    const error = await expectCode(store.load('k'), 'STORAGE_FAILED');
    expect(error.retryable).toBe(true);
    await store.close();
  });
});
