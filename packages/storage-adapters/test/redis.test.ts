import { runStoreConformance } from '@botpe/engine/testing';
import { createRedisStore } from '@botpe/storage-adapters/redis';
import { describe, it } from 'vitest';
import { redisUrl, serviceAvailable } from './helpers/services.js';

if (await serviceAvailable('redis')) {
  runStoreConformance('redis', (namespace) => createRedisStore({ url: redisUrl, prefix: namespace }), {
    shared: true,
  });
} else {
  describe.skip('Store conformance: redis (unreachable)', () => it('skipped', () => undefined));
}
