import { join } from 'node:path';
import type { Store } from '@botpe/engine';
import { createMemoryStore } from '@botpe/storage-adapters/memory';
import { createPostgresStore } from '@botpe/storage-adapters/postgres';
import { createRedisStore } from '@botpe/storage-adapters/redis';
import { createSqliteStore } from '@botpe/storage-adapters/sqlite';
import { pgUrl, redisUrl, serviceAvailable } from './services.js';
import { tempDirectory } from './temp.js';

export type StoreName = 'memory' | 'sqlite' | 'sqlite-normal' | 'postgres' | 'redis';

export interface StoreKind {
  name: StoreName;
  /** True when stores made with one namespace share data (every store but memory). */
  shared: boolean;
  /** A new store client on the shared database, under `namespace`. */
  make(namespace: string): Store;
}

/**
 * The stores this machine can test: memory and SQLite always, Postgres and Redis when they answer
 * (see `serviceAvailable` for what happens when they do not). SQLite files live on tmpfs unless
 * `sqliteOnDisk`, which also adds SQLite with `synchronous: 'normal'` for comparison.
 */
export async function testedStores(
  options: { memory?: boolean; sqliteOnDisk?: boolean } = {},
): Promise<StoreKind[]> {
  const file = join(tempDirectory('stores', options.sqliteOnDisk ? 'disk' : 'memory'), 'sessions.db');
  const kinds: StoreKind[] = [];
  if (options.memory ?? true) {
    kinds.push({ name: 'memory', shared: false, make: (namespace) => createMemoryStore({ namespace }) });
  }
  kinds.push({
    name: 'sqlite',
    shared: true,
    make: (namespace) => createSqliteStore({ path: file, namespace }),
  });
  if (options.sqliteOnDisk) {
    kinds.push({
      name: 'sqlite-normal',
      shared: true,
      make: (namespace) => createSqliteStore({ path: file, namespace, synchronous: 'normal' }),
    });
  }
  if (await serviceAvailable('postgres')) {
    kinds.push({
      name: 'postgres',
      shared: true,
      make: (namespace) =>
        createPostgresStore({ connectionString: pgUrl, namespace, poolConfig: { max: 4 } }),
    });
  }
  if (await serviceAvailable('redis')) {
    kinds.push({
      name: 'redis',
      shared: true,
      make: (namespace) => createRedisStore({ url: redisUrl, prefix: namespace }),
    });
  }
  return kinds;
}

/** A namespace no other test run uses. */
export function uniqueNamespace(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}`;
}

/** The p-th percentile (0..100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
