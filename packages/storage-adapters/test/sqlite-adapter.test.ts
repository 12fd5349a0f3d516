import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionRecord } from '@botpe/engine';
import { testRecord } from '@botpe/engine/testing';
import { createSqliteStore } from '@botpe/storage-adapters/sqlite';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { expectCode } from './helpers/errors.js';
import { tempDirectory } from './helpers/temp.js';

const directory = tempDirectory('sqlite-adapter');
let files = 0;
const freshFile = () => join(directory, `db-${++files}.db`);

describe('createSqliteStore', () => {
  it('rejects bad options with STORAGE_CONFIG_INVALID', async () => {
    await expectCode(() => createSqliteStore({} as never), 'STORAGE_CONFIG_INVALID');
    await expectCode(() => createSqliteStore({ path: '' }), 'STORAGE_CONFIG_INVALID');
    await expectCode(
      () => createSqliteStore({ path: freshFile(), namespace: 'has space' }),
      'STORAGE_CONFIG_INVALID',
    );
    await expectCode(
      () => createSqliteStore({ path: freshFile(), synchronous: 'off' as 'full' }),
      'STORAGE_CONFIG_INVALID',
    );
  });

  it('opens in WAL mode with the chosen synchronous level', async () => {
    const path = freshFile();
    const store = createSqliteStore({ path, synchronous: 'normal' });
    await store.ready();
    const probe = new Database(path, { readonly: true });
    expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    probe.close();
    await store.close();
  });

  it('migrates once when several stores open a new file together, and records the version', async () => {
    const path = freshFile();
    const stores = Array.from({ length: 4 }, (_, index) =>
      createSqliteStore({ path, namespace: `n${index}` }),
    );
    await Promise.all(stores.map((store) => store.ready()));
    const probe = new Database(path, { readonly: true });
    expect(probe.prepare('SELECT version FROM botpe_schema_migrations').pluck().all()).toEqual([1]);
    probe.close();
    await Promise.all(stores.map((store) => store.close()));
  });

  it('refuses a database migrated by a newer release (STORAGE_SCHEMA_TOO_NEW)', async () => {
    const path = freshFile();
    const first = createSqliteStore({ path });
    await first.ready();
    await first.close();
    const database = new Database(path);
    database.prepare('INSERT INTO botpe_schema_migrations (version) VALUES (99)').run();
    database.close();
    const store = createSqliteStore({ path });
    await expectCode(store.load('any'), 'STORAGE_SCHEMA_TOO_NEW');
    await store.close();
  });

  it('uses a database passed in and leaves it open on close', async () => {
    const database = new Database(freshFile());
    const store = createSqliteStore({ database, namespace: 'given' });
    expect(await store.save(testRecord('k', 1), null)).toBe(true);
    await store.close();
    expect(database.open).toBe(true);
    expect(database.prepare('SELECT count(*) FROM botpe_sessions').pluck().get()).toBe(1);
    database.close();
  });

  it('reports a row that is not a record as STORAGE_RECORD_CORRUPT', async () => {
    const database = new Database(freshFile());
    const store = createSqliteStore({ database });
    await store.save(testRecord('k', 1), null);
    database.prepare("UPDATE botpe_sessions SET record = '{not json'").run();
    await expectCode(store.load('k'), 'STORAGE_RECORD_CORRUPT');
    database.prepare(`UPDATE botpe_sessions SET record = '{"key":"other"}'`).run();
    await expectCode(store.load('k'), 'STORAGE_RECORD_CORRUPT');
    await store.close();
    database.close();
  });

  it('rejects bad arguments and records with typed errors, writing nothing', async () => {
    const store = createSqliteStore({ path: freshFile() });
    await expectCode(store.load(''), 'STORAGE_ARGUMENT_INVALID');
    await expectCode(store.dueTimers(Number.NaN, 1), 'STORAGE_ARGUMENT_INVALID');
    await expectCode(store.dueTimers(0, -1), 'STORAGE_ARGUMENT_INVALID');
    await expectCode(store.pendingOutbox(1.5), 'STORAGE_ARGUMENT_INVALID');
    await expectCode(store.save(testRecord('k', 1), -1), 'STORAGE_ARGUMENT_INVALID');
    await expectCode(store.save({ ...testRecord('k', 1), version: 1.5 }, null), 'STORAGE_RECORD_INVALID');
    await expectCode(
      store.save({ ...testRecord('k', 1), dueAt: Number.POSITIVE_INFINITY }, null),
      'STORAGE_RECORD_INVALID',
    );
    const cyclic = testRecord('k', 1) as SessionRecord & { self?: unknown };
    cyclic.self = cyclic;
    await expectCode(store.save(cyclic, null), 'STORAGE_RECORD_INVALID');
    expect(await store.load('k')).toBeNull();
    await store.close();
    await expectCode(store.load('k'), 'STORAGE_CLOSED');
  });

  it('fails with STORAGE_FAILED when the file cannot be opened, and works once it can', async () => {
    const missing = join(directory, 'created-later');
    const store = createSqliteStore({ path: join(missing, 'x.db') });
    const error = await expectCode(store.load('k'), 'STORAGE_FAILED');
    expect(error.retryable).toBe(true);
    mkdirSync(missing);
    expect(await store.load('k')).toBeNull();
    await store.close();
  });
});
