import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryStore, type Store } from '@botpe/engine';
import type BetterSqlite3 from 'better-sqlite3';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { type DatabaseFloor, postgresFloor, redisFloor, sqliteFloor } from './floors/database.js';

export type StoreName = 'memory' | 'sqlite' | 'postgres' | 'redis';

/** A store kind the bench can run against: fresh stores per scenario, the matching floor, and cleanup. */
export interface Target {
  name: StoreName;
  /** An empty store under its own namespace, migrated and connected. */
  createStore(namespace: string): Promise<Store>;
  /** The floor on the same client (null for memory, whose floor is the xstate one). */
  floor(namespace: string, payload: string, key?: string): Promise<DatabaseFloor | null>;
  /** The raw client, for direct bulk inserts (scaling). */
  raw: { sqlite?: BetterSqlite3.Database; postgres?: Pool; redis?: Redis };
  close(): Promise<void>;
}

export interface Skipped {
  /** The store kind, or `*` for something skipped on every store. */
  store: StoreName | '*';
  reason: string;
}

const adapterSource = (name: string) =>
  fileURLToPath(new URL(`../../packages/storage-adapters/src/${name}.ts`, import.meta.url));

export const POSTGRES_URL = process.env.BOTPE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BOTPE_REDIS_URL ?? 'redis://127.0.0.1:6379';

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

function memoryTarget(): Target {
  return {
    name: 'memory',
    createStore: async () => createMemoryStore(),
    floor: async () => null,
    raw: {},
    close: async () => undefined,
  };
}

async function sqliteTarget(): Promise<Target> {
  const { createSqliteStore } = await import('@botpe/storage-adapters/sqlite');
  const { default: Database } = await import('better-sqlite3');
  const directory = mkdtempSync(join(tmpdir(), 'botpe-bench-'));
  // The store's defaults (WAL, synchronous=FULL) on a file: what a user gets from createSqliteStore({ path }).
  const database = new Database(join(directory, 'bench.db'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  return {
    name: 'sqlite',
    async createStore(namespace) {
      const store = createSqliteStore({ database, namespace });
      await store.ready();
      return store;
    },
    floor: async (namespace, payload, key) => sqliteFloor(database, namespace, payload, key),
    raw: { sqlite: database },
    async close() {
      database.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const { createPostgresStore } = await import('@botpe/storage-adapters/postgres');
  const pg = await import('pg');
  const pool = new pg.default.Pool({
    connectionString: POSTGRES_URL,
    max: 16,
    connectionTimeoutMillis: 3000,
  });
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const namespaces: string[] = [];
  return {
    name: 'postgres',
    async createStore(namespace) {
      const store = createPostgresStore({ pool, namespace });
      await store.ready();
      await pool.query('DELETE FROM botpe_sessions WHERE namespace = $1', [namespace]);
      namespaces.push(namespace);
      return store;
    },
    floor: async (namespace, payload, key) => postgresFloor(pool, namespace, payload, key),
    raw: { postgres: pool },
    async close() {
      if (namespaces.length > 0)
        await pool.query('DELETE FROM botpe_sessions WHERE namespace = ANY($1)', [namespaces]);
      await pool.end();
    },
  };
}

async function redisTarget(): Promise<Target> {
  const { createRedisStore } = await import('@botpe/storage-adapters/redis');
  const { Redis } = await import('ioredis');
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  await client.connect();
  await client.ping();
  const prefixes: string[] = [];
  const dropPrefix = async (prefix: string) => {
    for (const pattern of [`{${prefix}}:*`, `{${prefix}-floor}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  };
  return {
    name: 'redis',
    async createStore(prefix) {
      await dropPrefix(prefix);
      prefixes.push(prefix);
      const store = createRedisStore({ client, prefix });
      await store.ready();
      return store;
    },
    floor: async (prefix, payload, key) => redisFloor(client, prefix, payload, key),
    raw: { redis: client },
    async close() {
      for (const prefix of prefixes) await dropPrefix(prefix);
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/**
 * Opens every store kind that can run here. A store whose adapter file is missing or whose server does
 * not answer is skipped with its reason; under CI=true a missing Postgres or Redis is returned as an error instead.
 *
 * @example
 * const { targets, skipped, failures } = await openTargets(['memory', 'sqlite']);
 */
export async function openTargets(wanted: readonly StoreName[], ci = process.env.CI === 'true') {
  const targets: Target[] = [];
  const skipped: Skipped[] = [];
  const failures: Skipped[] = [];
  const openers: Record<Exclude<StoreName, 'memory'>, () => Promise<Target>> = {
    sqlite: sqliteTarget,
    postgres: postgresTarget,
    redis: redisTarget,
  };
  for (const name of wanted) {
    if (name === 'memory') {
      targets.push(memoryTarget());
      continue;
    }
    if (!existsSync(adapterSource(name))) {
      skipped.push({ store: name, reason: `packages/storage-adapters/src/${name}.ts does not exist yet` });
      continue;
    }
    try {
      targets.push(await openers[name]());
    } catch (error) {
      const entry = { store: name, reason: `cannot open ${name}: ${describe(error)}` };
      if (ci && name !== 'sqlite') failures.push(entry);
      else if (name === 'sqlite') failures.push(entry);
      else skipped.push(entry);
    }
  }
  return { targets, skipped, failures };
}
