import { describe, expect, it, vi } from 'vitest';
import { expectCode } from './helpers/errors.js';

// A unit test: the database clients are replaced by modules that fail to load, as when the optional
// peer dependency is not installed.
describe('a store whose database client is not installed', () => {
  for (const driver of ['better-sqlite3', 'pg', 'ioredis']) {
    vi.doMock(driver, () => {
      throw new Error(`Cannot find package '${driver}'`);
    });
  }

  it('fails with STORAGE_DRIVER_MISSING on first use, naming the package to install', async () => {
    const { createSqliteStore } = await import('../src/sqlite.js');
    const { createPostgresStore } = await import('../src/postgres.js');
    const { createRedisStore } = await import('../src/redis.js');
    const stores = [
      createSqliteStore({ path: '/nonexistent/never-opened.db' }),
      createPostgresStore({ connectionString: 'postgres://127.0.0.1:1/never' }),
      createRedisStore({ url: 'redis://127.0.0.1:1' }),
    ];
    for (const [store, install] of [
      [stores[0]!, 'npm install better-sqlite3@12'],
      [stores[1]!, 'npm install pg@8'],
      [stores[2]!, 'npm install ioredis@5'],
    ] as const) {
      const error = await expectCode(store.load('k'), 'STORAGE_DRIVER_MISSING');
      expect(error.message).toContain(install);
      await store.close();
    }
  });
});
