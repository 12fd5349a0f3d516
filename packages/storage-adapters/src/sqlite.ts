import { BotpeError, type SessionRecord, type Store } from '@botpe/engine';
import type BetterSqlite3 from 'better-sqlite3';
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

/** A `better-sqlite3` database. */
export type SqliteDatabase = BetterSqlite3.Database;

interface SqliteCommonOptions {
  /** Tenant isolation: stores with different namespaces share a file without seeing each other. Default `"default"`. */
  namespace?: string;
  /**
   * `"full"` (default): a committed step survives a power loss or OS crash. `"normal"`: faster commits;
   * a process crash still loses nothing, an OS crash may lose the last commits (WAL mode).
   * Applies only to a database the store opens itself.
   */
  synchronous?: 'full' | 'normal';
  /** How long a write waits for another process's write lock. Default 5000 ms. Only for a database the store opens. */
  busyTimeoutMs?: number;
}

export type SqliteStoreOptions = SqliteCommonOptions & ({ path: string } | { database: SqliteDatabase });

/** A SQLite store: the Store port plus `ready()`, which opens the file and migrates the schema now. */
export interface SqliteStore extends Store {
  /** Opens the database and applies migrations; every method does this on first use anyway. */
  ready(): Promise<void>;
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE botpe_sessions (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        due_at INTEGER,
        has_outbox INTEGER NOT NULL DEFAULT 0,
        record TEXT NOT NULL,
        PRIMARY KEY (namespace, key)
      )`,
      'CREATE INDEX botpe_sessions_due ON botpe_sessions (namespace, due_at) WHERE due_at IS NOT NULL',
      'CREATE INDEX botpe_sessions_outbox ON botpe_sessions (namespace) WHERE has_outbox = 1',
    ],
  },
];

/** Brings the schema up to date. BEGIN IMMEDIATE takes the write lock, so concurrent processes migrate one at a time. */
function migrate(database: SqliteDatabase): void {
  database.exec(`CREATE TABLE IF NOT EXISTS botpe_schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
  )`);
  const apply = database.transaction(() => {
    const current =
      (database.prepare('SELECT max(version) FROM botpe_schema_migrations').pluck().get() as number | null) ??
      0;
    for (const migration of pendingMigrations('sqlite', current, migrations)) {
      for (const statement of migration.statements) database.exec(statement);
      database.prepare('INSERT INTO botpe_schema_migrations (version) VALUES (?)').run(migration.version);
    }
  });
  try {
    apply.immediate();
  } catch (error) {
    if (BotpeError.isInstance(error)) throw error;
    // Usually another process holding the write lock past the busy timeout: worth another try.
    throw storageError('STORAGE_MIGRATION_FAILED', 'could not migrate the sqlite schema', {
      cause: error,
      retryable: true,
    });
  }
}

interface Statements {
  load: BetterSqlite3.Statement<[string, string], string>;
  insert: BetterSqlite3.Statement<[string, string, number, number | null, number, string]>;
  update: BetterSqlite3.Statement<[number, number | null, number, string, string, string, number]>;
  remove: BetterSqlite3.Statement<[string, string]>;
  due: BetterSqlite3.Statement<[string, number, number], string>;
  outbox: BetterSqlite3.Statement<[string, number], string>;
}

function prepare(database: SqliteDatabase): Statements {
  return {
    load: database
      .prepare<[string, string], string>('SELECT record FROM botpe_sessions WHERE namespace = ? AND key = ?')
      .pluck(),
    insert: database.prepare(
      `INSERT INTO botpe_sessions (namespace, key, version, due_at, has_outbox, record) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO NOTHING`,
    ),
    update: database.prepare(
      `UPDATE botpe_sessions SET version = ?, due_at = ?, has_outbox = ?, record = ?
       WHERE namespace = ? AND key = ? AND version = ?`,
    ),
    remove: database.prepare('DELETE FROM botpe_sessions WHERE namespace = ? AND key = ?'),
    due: database
      .prepare<[string, number, number], string>(
        `SELECT key FROM botpe_sessions WHERE namespace = ? AND due_at IS NOT NULL AND due_at <= ?
       ORDER BY due_at LIMIT ?`,
      )
      .pluck(),
    outbox: database
      .prepare<[string, number], string>(
        'SELECT key FROM botpe_sessions WHERE namespace = ? AND has_outbox = 1 LIMIT ?',
      )
      .pluck(),
  };
}

/**
 * A session store in a SQLite file (better-sqlite3, WAL journal): the embedded durable default.
 * The store creates and migrates its tables; it closes the database only if it opened it.
 *
 * @example
 * import { createSqliteStore } from '@botpe/storage-adapters/sqlite';
 * const store = createSqliteStore({ path: './botpe.db', namespace: 'tenant-a' });
 * const engine = createEngine({ flows: [flow], store });
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { given, target: path } = clientOrTarget<SqliteDatabase>(
    'createSqliteStore',
    options,
    'database',
    'path',
  );
  const namespace = checkNamespace(options.namespace ?? 'default', 'namespace');
  const synchronous = options.synchronous ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw storageError('STORAGE_CONFIG_INVALID', 'synchronous must be "full" or "normal"');
  }

  const lifecycle = createLifecycle(
    'sqlite',
    async () => {
      let database = given;
      if (database === undefined) {
        const Database = await loadDriver();
        database = new Database(path as string, { timeout: options.busyTimeoutMs ?? 5000 });
        try {
          database.pragma('journal_mode = WAL');
          database.pragma(`synchronous = ${synchronous.toUpperCase()}`);
        } catch (error) {
          database.close();
          throw error;
        }
      }
      migrate(database);
      return { database, statements: prepare(database) };
    },
    async (opened) => {
      if (given === undefined && opened !== undefined) opened.database.close();
    },
  );

  // better-sqlite3 is synchronous: once open, each call is one statement, and a single statement is atomic.
  const run = async <T>(operation: string, body: (statements: Statements) => T): Promise<T> => {
    const opened = lifecycle.current() ?? (await lifecycle.get());
    try {
      return body(opened.statements);
    } catch (error) {
      throw wrapFailure('sqlite', operation, error);
    }
  };

  return {
    specVersion: 1,
    name: 'sqlite',
    async ready() {
      await lifecycle.get();
    },
    async load(key) {
      checkKey(key);
      const json = await run('load', (statements) => statements.load.get(namespace, key));
      return json === undefined ? null : decodeRecord(json, key);
    },
    async save(record: SessionRecord, expectedVersion) {
      const expected = checkExpectedVersion(expectedVersion);
      const encoded = encodeRecord(record);
      const dueAt = encoded.dueAt;
      const hasOutbox = encoded.hasOutbox ? 1 : 0;
      const result = await run('save', (statements) =>
        expected === null
          ? statements.insert.run(namespace, encoded.key, encoded.version, dueAt, hasOutbox, encoded.json)
          : statements.update.run(
              encoded.version,
              dueAt,
              hasOutbox,
              encoded.json,
              namespace,
              encoded.key,
              expected,
            ),
      );
      return result.changes === 1;
    },
    async delete(key) {
      checkKey(key);
      await run('delete', (statements) => statements.remove.run(namespace, key));
    },
    async dueTimers(now, limit) {
      checkNow(now);
      if (checkLimit(limit) === 0) return [];
      return run('dueTimers', (statements) => statements.due.all(namespace, now, limit));
    },
    async pendingOutbox(limit) {
      if (checkLimit(limit) === 0) return [];
      return run('pendingOutbox', (statements) => statements.outbox.all(namespace, limit));
    },
    close() {
      return lifecycle.close();
    },
  };
}

async function loadDriver(): Promise<typeof BetterSqlite3> {
  try {
    const module = (await import('better-sqlite3')) as { default: typeof BetterSqlite3 };
    return module.default;
  } catch (cause) {
    throw driverMissing('better-sqlite3@12', cause);
  }
}
