import { BotpeError, type SessionRecord, type Store } from '@botpe/engine';
import type { Pool, PoolClient, PoolConfig, QueryConfig } from 'pg';
import { driverMissing, storageError } from './errors.js';
import { createLifecycle, wrapFailure } from './internal/lifecycle.js';
import { type Migration, pendingMigrations } from './internal/migrations.js';
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

interface PostgresCommonOptions {
  /** Tenant isolation: stores with different namespaces share the tables without seeing each other. Default `"default"`. */
  namespace?: string;
}

export type PostgresStoreOptions = PostgresCommonOptions &
  (
    | {
        connectionString: string;
        /** Extra `pg.Pool` settings (`max`, `ssl`, `statement_timeout`, …) for the pool the store creates. */
        pool?: never;
        poolConfig?: Omit<PoolConfig, 'connectionString'>;
      }
    | { pool: Pool }
  );

/** A Postgres store: the Store port plus `ready()`, which connects and migrates the schema now. */
export interface PostgresStore extends Store {
  /** Connects and applies migrations; every method does this on first use anyway. */
  ready(): Promise<void>;
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE botpe_sessions (
        namespace text NOT NULL,
        key text NOT NULL,
        version bigint NOT NULL,
        due_at double precision,
        has_outbox boolean NOT NULL DEFAULT false,
        record text NOT NULL,
        PRIMARY KEY (namespace, key)
      )`,
      'CREATE INDEX botpe_sessions_due ON botpe_sessions (namespace, due_at) WHERE due_at IS NOT NULL',
      'CREATE INDEX botpe_sessions_outbox ON botpe_sessions (namespace) WHERE has_outbox',
    ],
  },
];

/** Any constant works; it only has to be the same in every process that migrates this database. */
const MIGRATION_LOCK = 0x626f7470; // "botp"

/**
 * Brings the schema up to date inside one transaction holding an advisory lock, so processes that
 * start together migrate one after the other and the later ones find nothing to do.
 */
async function migrate(client: PoolClient): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS botpe_schema_migrations (
      version integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM botpe_schema_migrations',
    );
    for (const migration of pendingMigrations('postgres', rows[0]?.version ?? 0, migrations)) {
      for (const statement of migration.statements) await client.query(statement);
      await client.query('INSERT INTO botpe_schema_migrations (version) VALUES ($1)', [migration.version]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (BotpeError.isInstance(error)) throw error;
    throw storageError('STORAGE_MIGRATION_FAILED', 'could not migrate the postgres schema', {
      cause: error,
      retryable: true,
    });
  }
}

// Named statements are prepared once per connection and then only executed.
const statements = {
  load: 'SELECT record FROM botpe_sessions WHERE namespace = $1 AND key = $2',
  insert: `INSERT INTO botpe_sessions (namespace, key, version, due_at, has_outbox, record)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (namespace, key) DO NOTHING`,
  update: `UPDATE botpe_sessions SET version = $3, due_at = $4, has_outbox = $5, record = $6
           WHERE namespace = $1 AND key = $2 AND version = $7`,
  delete: 'DELETE FROM botpe_sessions WHERE namespace = $1 AND key = $2',
  due: `SELECT key FROM botpe_sessions WHERE namespace = $1 AND due_at IS NOT NULL AND due_at <= $2
        ORDER BY due_at LIMIT $3`,
  outbox: 'SELECT key FROM botpe_sessions WHERE namespace = $1 AND has_outbox LIMIT $2',
} as const;

function query(name: keyof typeof statements, values: unknown[]): QueryConfig {
  return { name: `botpe_${name}`, text: statements[name], values };
}

/**
 * A session store in Postgres (`pg`): one row per session with its JSON, a version column for
 * compare-and-set, and partial indexes for due timers and pending outboxes. The store creates and
 * migrates its tables; it ends the pool only if it created it.
 *
 * @example
 * import { createPostgresStore } from '@botpe/storage-adapters/postgres';
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL!, namespace: 'tenant-a' });
 * const engine = createEngine({ flows: [flow], store });
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const { given, target: connectionString } = clientOrTarget<Pool>(
    'createPostgresStore',
    options,
    'pool',
    'connectionString',
  );
  const namespace = checkNamespace(options.namespace ?? 'default', 'namespace');
  const poolConfig = 'poolConfig' in options ? options.poolConfig : undefined;

  const lifecycle = createLifecycle(
    'postgres',
    async () => {
      let pool = given;
      if (pool === undefined) {
        const pg = await loadDriver();
        pool = new pg.Pool({ ...poolConfig, connectionString });
        // An idle connection that drops emits 'error' on the pool; without a listener Node would crash.
        // The next query gets a fresh connection or reports the failure as STORAGE_FAILED.
        pool.on('error', () => undefined);
      }
      try {
        const client = await pool.connect();
        try {
          await migrate(client);
        } finally {
          client.release();
        }
      } catch (error) {
        if (given === undefined) await pool.end().catch(() => undefined);
        throw error;
      }
      return pool;
    },
    async (pool) => {
      if (given === undefined && pool !== undefined) await pool.end();
    },
  );

  const run = async (operation: string, config: QueryConfig) => {
    const pool = lifecycle.current() ?? (await lifecycle.get());
    try {
      return await pool.query<{ key?: string; record?: string }>(config);
    } catch (error) {
      throw wrapFailure('postgres', operation, error);
    }
  };

  return {
    specVersion: 1,
    name: 'postgres',
    async ready() {
      await lifecycle.get();
    },
    async load(key) {
      checkKey(key);
      const { rows } = await run('load', query('load', [namespace, key]));
      const json = rows[0]?.record;
      return json === undefined ? null : decodeRecord(json, key);
    },
    async save(record: SessionRecord, expectedVersion) {
      const expected = checkExpectedVersion(expectedVersion);
      const encoded = encodeRecord(record);
      const values = [
        namespace,
        encoded.key,
        encoded.version,
        encoded.dueAt,
        encoded.hasOutbox,
        encoded.json,
      ];
      const result =
        expected === null
          ? await run('save', query('insert', values))
          : await run('save', query('update', [...values, expected]));
      return result.rowCount === 1;
    },
    async delete(key) {
      checkKey(key);
      await run('delete', query('delete', [namespace, key]));
    },
    async dueTimers(now, limit) {
      checkNow(now);
      if (checkLimit(limit) === 0) return [];
      const { rows } = await run('dueTimers', query('due', [namespace, now, limit]));
      return rows.map((row) => row.key as string);
    },
    async pendingOutbox(limit) {
      if (checkLimit(limit) === 0) return [];
      const { rows } = await run('pendingOutbox', query('outbox', [namespace, limit]));
      return rows.map((row) => row.key as string);
    },
    close() {
      return lifecycle.close();
    },
  };
}

async function loadDriver(): Promise<typeof import('pg')> {
  try {
    const module = (await import('pg')) as typeof import('pg') & { default?: typeof import('pg') };
    return module.default ?? module;
  } catch (cause) {
    throw driverMissing('pg@8', cause);
  }
}
