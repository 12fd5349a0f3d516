import { runStoreConformance } from '@botpe/engine/testing';
import { createPostgresStore } from '@botpe/storage-adapters/postgres';
import { describe, it } from 'vitest';
import { pgUrl, serviceAvailable } from './helpers/services.js';

if (await serviceAvailable('postgres')) {
  runStoreConformance(
    'postgres',
    (namespace) => createPostgresStore({ connectionString: pgUrl, namespace, poolConfig: { max: 8 } }),
    { shared: true },
  );
} else {
  describe.skip('Store conformance: postgres (unreachable)', () => it('skipped', () => undefined));
}
