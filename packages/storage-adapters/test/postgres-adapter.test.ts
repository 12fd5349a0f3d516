import { testRecord } from '@botpe/engine/testing';
import { createPostgresStore } from '@botpe/storage-adapters/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCode } from './helpers/errors.js';
import { pgUrl, serviceAvailable } from './helpers/services.js';

const available = await serviceAvailable('postgres');

// A schema of its own, so migrations start from nothing without touching the shared tables.
const schema = `botpe_test_${process.pid}`;
const inSchema = { options: `-c search_path=${schema}` };

describe.skipIf(!available)('createPostgresStore', () => {
  const admin = new pg.Pool({ connectionString: pgUrl, max: 2 });
  beforeAll(async () => {
    await admin.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('rejects bad options with STORAGE_CONFIG_INVALID', async () => {
    await expectCode(() => createPostgresStore({} as never), 'STORAGE_CONFIG_INVALID');
    await expectCode(() => createPostgresStore({ connectionString: '' }), 'STORAGE_CONFIG_INVALID');
    await expectCode(
      () => createPostgresStore({ connectionString: pgUrl, namespace: 'x'.repeat(101) }),
      'STORAGE_CONFIG_INVALID',
    );
  });

  it('migrates once when several processes start together (advisory lock)', async () => {
    const stores = Array.from({ length: 6 }, (_, index) =>
      createPostgresStore({
        connectionString: pgUrl,
        namespace: `m${index}`,
        poolConfig: { ...inSchema, max: 1 },
      }),
    );
    await Promise.all(stores.map((store) => store.ready()));
    const { rows } = await admin.query(`SELECT version FROM ${schema}.botpe_schema_migrations`);
    expect(rows).toEqual([{ version: 1 }]);
    const indexes = await admin.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`,
      [schema],
    );
    expect(indexes.rows.map((row) => row.indexname)).toEqual([
      'botpe_schema_migrations_pkey',
      'botpe_sessions_due',
      'botpe_sessions_outbox',
      'botpe_sessions_pkey',
    ]);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('refuses a schema migrated by a newer release (STORAGE_SCHEMA_TOO_NEW)', async () => {
    await admin.query(`INSERT INTO ${schema}.botpe_schema_migrations (version) VALUES (99)`);
    const store = createPostgresStore({ connectionString: pgUrl, poolConfig: inSchema });
    try {
      await expectCode(store.load('k'), 'STORAGE_SCHEMA_TOO_NEW');
    } finally {
      await store.close();
      await admin.query(`DELETE FROM ${schema}.botpe_schema_migrations WHERE version = 99`);
    }
  });

  it('uses a pool passed in and leaves it open on close', async () => {
    const pool = new pg.Pool({ connectionString: pgUrl, ...inSchema, max: 2 });
    const store = createPostgresStore({ pool, namespace: 'given' });
    expect(await store.save(testRecord('k', 1), null)).toBe(true);
    await store.close();
    const { rows } = await pool.query(
      `SELECT count(*)::int AS count FROM botpe_sessions WHERE namespace = 'given'`,
    );
    expect(rows[0].count).toBe(1);
    await pool.end();
  });

  it('reports a row that is not a record as STORAGE_RECORD_CORRUPT', async () => {
    const store = createPostgresStore({
      connectionString: pgUrl,
      namespace: 'corrupt',
      poolConfig: inSchema,
    });
    await store.save(testRecord('k', 1), null);
    await admin.query(`UPDATE ${schema}.botpe_sessions SET record = '[1,2' WHERE namespace = 'corrupt'`);
    await expectCode(store.load('k'), 'STORAGE_RECORD_CORRUPT');
    await store.close();
    await expectCode(store.load('k'), 'STORAGE_CLOSED');
  });

  it('fails with a retryable STORAGE_FAILED when the server does not answer', async () => {
    const store = createPostgresStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      poolConfig: { connectionTimeoutMillis: 1000 },
    });
    const error = await expectCode(store.load('k'), 'STORAGE_FAILED');
    expect(error.retryable).toBe(true);
    await store.close();
  });
});
