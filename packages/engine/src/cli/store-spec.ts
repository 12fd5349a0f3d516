import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { engineError } from '../errors.js';
import type { Store } from '../ports/store.js';
import { createMemoryStore } from '../runtime/memory-store.js';

/** Builds a store from the whole spec (`sqlite:./chat.db`, `postgres://…`). */
type StoreFactory = (spec: string, argument: string) => Promise<Store>;

type AdapterModule = Record<string, (options: Record<string, unknown>) => Store>;

/**
 * Loads a store adapter from the user's project. The engine depends on no adapter: the CLI finds
 * `@botpe/storage-adapters` (and its database client) where the user installed them.
 */
async function loadAdapter(subpath: 'sqlite' | 'postgres' | 'redis'): Promise<AdapterModule> {
  const specifier = `@botpe/storage-adapters/${subpath}`;
  try {
    const resolved = createRequire(join(process.cwd(), 'package.json')).resolve(specifier);
    return (await import(pathToFileURL(resolved).href)) as AdapterModule;
  } catch (cause) {
    throw engineError(
      'CONFIG_INVALID',
      `--store ${subpath} needs ${specifier} in this project: npm install @botpe/storage-adapters`,
      {
        cause,
        details: { specifier },
      },
    );
  }
}

/** Store schemes the CLI knows. */
const storeFactories: Record<string, StoreFactory> = {
  memory: async () => createMemoryStore(),
  sqlite: async (_spec, path) => {
    if (!path) throw engineError('CONFIG_INVALID', '--store sqlite needs a file: sqlite:./chat.db');
    return (await loadAdapter('sqlite')).createSqliteStore!({ path });
  },
  postgres: async (spec) => (await loadAdapter('postgres')).createPostgresStore!({ connectionString: spec }),
  postgresql: async (spec) =>
    (await loadAdapter('postgres')).createPostgresStore!({ connectionString: spec }),
  redis: async (spec) => (await loadAdapter('redis')).createRedisStore!({ url: spec }),
};

/** The spec forms `--store` accepts, for messages and help. */
export const STORE_SPECS = ['memory', 'sqlite:<file>', 'postgres://<url>', 'redis://<url>'] as const;

/**
 * Creates the store a `--store` spec names: `memory` (the default), `sqlite:<file>`,
 * `postgres://…` or `redis://…` (the last three through `@botpe/storage-adapters`, installed in the
 * user's project). An unknown spec throws a `CONFIG_INVALID` BotpeError.
 *
 * @example
 * const store = await createStoreFromSpec('sqlite:./chat.db');
 */
export async function createStoreFromSpec(spec: string): Promise<Store> {
  const separator = spec.indexOf(':');
  const scheme = separator < 0 ? spec : spec.slice(0, separator);
  const argument = separator < 0 ? '' : spec.slice(separator + 1);
  const factory = Object.hasOwn(storeFactories, scheme) ? storeFactories[scheme] : undefined;
  if (!factory) {
    throw engineError(
      'CONFIG_INVALID',
      `unknown store "${spec}"; --store accepts: ${STORE_SPECS.join(', ')}`,
      {
        details: { spec },
      },
    );
  }
  return factory(spec, argument);
}
