import type BetterSqlite3 from 'better-sqlite3';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

/** One read plus one conditional write of a session-sized row: the least any durable step must do. */
export interface DatabaseFloor {
  step(): Promise<void>;
  /** Removes the floor's row. */
  clear(): Promise<void>;
}

export const FLOOR_KEY = 'bench:floor:15550000000';

/**
 * SQLite floor: the store's own SELECT and version-checked UPDATE, prepared on the same connection.
 * The row holds `payload` (an engine session record's JSON), rewritten with the next version.
 *
 * @example
 * const floor = sqliteFloor(database, 'bench', recordJson);
 * await floor.step();
 */
export function sqliteFloor(
  database: BetterSqlite3.Database,
  namespace: string,
  payload: string,
  key = FLOOR_KEY,
): DatabaseFloor {
  database
    .prepare(
      'INSERT INTO botpe_sessions (namespace, key, version, due_at, has_outbox, record) VALUES (?, ?, 1, NULL, 0, ?) ON CONFLICT (namespace, key) DO UPDATE SET version = 1',
    )
    .run(namespace, key, payload);
  const read = database
    .prepare<[string, string], string>('SELECT record FROM botpe_sessions WHERE namespace = ? AND key = ?')
    .pluck();
  const write = database.prepare(
    'UPDATE botpe_sessions SET version = ?, due_at = ?, has_outbox = ?, record = ? WHERE namespace = ? AND key = ? AND version = ?',
  );
  let version = 1;
  return {
    async step() {
      const record = read.get(namespace, key);
      if (record === undefined) throw new Error('sqlite floor row vanished');
      const changed = write.run(
        version + 1,
        1_750_000_000_000 + version,
        0,
        record,
        namespace,
        key,
        version,
      ).changes;
      if (changed !== 1) throw new Error('sqlite floor lost its conditional write');
      version++;
    },
    async clear() {
      database.prepare('DELETE FROM botpe_sessions WHERE namespace = ? AND key = ?').run(namespace, key);
    },
  };
}

/**
 * Postgres floor: the store's SELECT and version-checked UPDATE as named (prepared) statements on the same pool.
 *
 * @example
 * const floor = await postgresFloor(pool, 'bench', recordJson);
 */
export async function postgresFloor(
  pool: Pool,
  namespace: string,
  payload: string,
  key = FLOOR_KEY,
): Promise<DatabaseFloor> {
  await pool.query(
    `INSERT INTO botpe_sessions (namespace, key, version, due_at, has_outbox, record) VALUES ($1, $2, 1, NULL, false, $3)
     ON CONFLICT (namespace, key) DO UPDATE SET version = 1, record = $3`,
    [namespace, key, payload],
  );
  let version = 1;
  return {
    async step() {
      const { rows } = await pool.query<{ record: string }>({
        name: 'bench_floor_read',
        text: 'SELECT record FROM botpe_sessions WHERE namespace = $1 AND key = $2',
        values: [namespace, key],
      });
      const record = rows[0]?.record;
      if (record === undefined) throw new Error('postgres floor row vanished');
      const { rowCount } = await pool.query({
        name: 'bench_floor_write',
        text: `UPDATE botpe_sessions SET version = $3, due_at = $4, has_outbox = $5, record = $6
               WHERE namespace = $1 AND key = $2 AND version = $7`,
        values: [namespace, key, version + 1, 1_750_000_000_000 + version, false, record, version],
      });
      if (rowCount !== 1) throw new Error('postgres floor lost its conditional write');
      version++;
    },
    async clear() {
      await pool.query('DELETE FROM botpe_sessions WHERE namespace = $1 AND key = $2', [namespace, key]);
    },
  };
}

/** Same shape as a CAS save: compare the version field, write version and document, keep the timer and outbox indexes. */
const CONDITIONAL_WRITE = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
redis.call('SREM', KEYS[3], ARGV[5])
return 1
`;

/**
 * Redis floor: HGET of the document, then one Lua script doing the version check and the writes
 * (hash, timer sorted set, outbox set), on the same ioredis client.
 *
 * @example
 * const floor = await redisFloor(client, 'bench', recordJson);
 */
export async function redisFloor(
  client: Redis,
  prefix: string,
  payload: string,
  key = FLOOR_KEY,
): Promise<DatabaseFloor> {
  const tag = `{${prefix}-floor}`;
  const sessionKey = `${tag}:session:${key}`;
  await client.hset(sessionKey, 'v', '1', 'r', payload);
  const sha = (await client.script('LOAD', CONDITIONAL_WRITE)) as string;
  let version = 1;
  return {
    async step() {
      const record = await client.hget(sessionKey, 'r');
      if (record === null) throw new Error('redis floor key vanished');
      const written = await client.evalsha(
        sha,
        3,
        sessionKey,
        `${tag}:timers`,
        `${tag}:outbox`,
        String(version),
        String(version + 1),
        record,
        String(1_750_000_000_000 + version),
        key,
      );
      if (written !== 1) throw new Error('redis floor lost its conditional write');
      version++;
    },
    async clear() {
      await client.del(sessionKey, `${tag}:timers`, `${tag}:outbox`);
    },
  };
}
