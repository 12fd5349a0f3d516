import { createHash } from 'node:crypto';
import type { SessionRecord, Store } from '@botpe/engine';
import type { Redis, RedisOptions } from 'ioredis';
import { driverMissing } from './errors.js';
import { createLifecycle, wrapFailure } from './internal/lifecycle.js';
import { pendingMigrations } from './internal/migrations.js';
import { clientOrTarget } from './internal/options.js';
import {
  checkExpectedVersion,
  checkKey,
  checkLimit,
  checkNamespace,
  checkNow,
  decodeRecord,
  encodeRecord,
} from './internal/record.js';

export { STORAGE_ERROR_CODES, type StorageErrorCode } from './errors.js';

interface RedisCommonOptions {
  /** Tenant isolation: every key of this store starts with `{prefix}:`. Default `"botpe"`. */
  prefix?: string;
}

export type RedisStoreOptions = RedisCommonOptions &
  ({ url: string; redisOptions?: RedisOptions } | { client: Redis });

/** A Redis store: the Store port plus `ready()`, which connects and checks the layout version now. */
export interface RedisStore extends Store {
  /** Connects and records the key layout version; every method does this on first use anyway. */
  ready(): Promise<void>;
}

/**
 * Compare-and-set in one script, so no other client runs between the check and the writes.
 * KEYS: session hash, timers sorted set, outbox set. ARGV: expected version ('' = must not exist),
 * new version, record JSON, dueAt ('' = none), has outbox ('1'/'0'), session key.
 */
const SAVE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3])
if ARGV[4] == '' then redis.call('ZREM', KEYS[2], ARGV[6]) else redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6]) end
if ARGV[5] == '1' then redis.call('SADD', KEYS[3], ARGV[6]) else redis.call('SREM', KEYS[3], ARGV[6]) end
return 1
`;
const SAVE_SHA = createHash('sha1').update(SAVE_SCRIPT).digest('hex');

/** Keys layout version; a newer layout written by a later release is refused. */
const LAYOUT_VERSION = 1;

/**
 * A session store in Redis (`ioredis`): a hash per session (version + JSON), a Lua script for
 * compare-and-set, a sorted set of due times and a set of sessions with an undelivered outbox.
 * All keys of a prefix share one hash tag, so the script also runs on Redis Cluster.
 * It quits the connection only if it created it.
 *
 * @example
 * import { createRedisStore } from '@botpe/storage-adapters/redis';
 * const store = createRedisStore({ url: 'redis://127.0.0.1:6379', prefix: 'tenant-a' });
 * const engine = createEngine({ flows: [flow], store });
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { given, target: url } = clientOrTarget<Redis>('createRedisStore', options, 'client', 'url');
  const prefix = checkNamespace(options.prefix ?? 'botpe', 'prefix');
  const redisOptions = 'redisOptions' in options ? options.redisOptions : undefined;

  const tag = `{${prefix}}`;
  const sessionKey = (key: string) => `${tag}:session:${key}`;
  const timersKey = `${tag}:timers`;
  const outboxKey = `${tag}:outbox`;
  const layoutKey = `${tag}:layout`;

  const lifecycle = createLifecycle(
    'redis',
    async () => {
      let client = given;
      if (client === undefined) {
        const RedisClient = await loadDriver();
        client = new RedisClient(url as string, { lazyConnect: true, ...redisOptions });
        // Connection errors reach the caller through the failed command; the event would only be noise.
        client.on('error', () => undefined);
      }
      try {
        if (client.status === 'wait') await client.connect();
        await client.set(layoutKey, String(LAYOUT_VERSION), 'NX');
        const layout = Number(await client.get(layoutKey));
        pendingMigrations('redis', layout, [{ version: LAYOUT_VERSION, statements: [] }]);
      } catch (error) {
        if (given === undefined) client.disconnect();
        throw error;
      }
      return client;
    },
    async (client) => {
      if (given === undefined && client !== undefined) await client.quit().catch(() => client.disconnect());
    },
  );

  const run = async <T>(operation: string, body: (client: Redis) => Promise<T>): Promise<T> => {
    const client = lifecycle.current() ?? (await lifecycle.get());
    try {
      return await body(client);
    } catch (error) {
      throw wrapFailure('redis', operation, error);
    }
  };

  /** Runs the CAS script by its hash; `argv` is the script's ARGV (see SAVE_SCRIPT). */
  const evalSave = async (client: Redis, sessionHash: string, argv: string[]): Promise<number> => {
    const keys = [sessionHash, timersKey, outboxKey];
    try {
      return (await client.evalsha(SAVE_SHA, keys.length, ...keys, ...argv)) as number;
    } catch (error) {
      // The script cache is empty after a restart or SCRIPT FLUSH: send the script itself once.
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return (await client.eval(SAVE_SCRIPT, keys.length, ...keys, ...argv)) as number;
    }
  };

  return {
    specVersion: 1,
    name: 'redis',
    async ready() {
      await lifecycle.get();
    },
    async load(key) {
      checkKey(key);
      const json = await run('load', (client) => client.hget(sessionKey(key), 'r'));
      return json === null ? null : decodeRecord(json, key);
    },
    async save(record: SessionRecord, expectedVersion) {
      const expected = checkExpectedVersion(expectedVersion);
      const encoded = encodeRecord(record);
      const result = await run('save', (client) =>
        evalSave(client, sessionKey(encoded.key), [
          expected === null ? '' : String(expected),
          String(encoded.version),
          encoded.json,
          encoded.dueAt === null ? '' : String(encoded.dueAt),
          encoded.hasOutbox ? '1' : '0',
          encoded.key,
        ]),
      );
      return result === 1;
    },
    async delete(key) {
      checkKey(key);
      await run('delete', (client) =>
        client.multi().del(sessionKey(key)).zrem(timersKey, key).srem(outboxKey, key).exec(),
      );
    },
    async dueTimers(now, limit) {
      checkNow(now);
      if (checkLimit(limit) === 0) return [];
      return run('dueTimers', (client) =>
        client.zrangebyscore(timersKey, '-inf', String(now), 'LIMIT', 0, limit),
      );
    },
    async pendingOutbox(limit) {
      if (checkLimit(limit) === 0) return [];
      return run('pendingOutbox', (client) => client.srandmember(outboxKey, limit));
    },
    close() {
      return lifecycle.close();
    },
  };
}

async function loadDriver(): Promise<typeof Redis> {
  try {
    const module = (await import('ioredis')) as { Redis?: typeof Redis; default: typeof Redis };
    return module.Redis ?? module.default;
  } catch (cause) {
    throw driverMissing('ioredis@5', cause);
  }
}
