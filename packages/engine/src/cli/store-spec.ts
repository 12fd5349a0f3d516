import { engineError } from '../errors.js';
import type { Store } from '../ports/store.js';
import { createMemoryStore } from '../runtime/memory-store.js';

/** Builds a store from the text after the scheme (`sqlite:./chat.db` → `./chat.db`). */
type StoreFactory = (argument: string) => Promise<Store>;

/** Store schemes the CLI knows. Add one entry per store (e.g. `sqlite`). */
const storeFactories: Record<string, StoreFactory> = {
  memory: async () => createMemoryStore(),
};

/** The spec forms `--store` accepts, for messages and help. */
export const STORE_SPECS = ['memory'] as const;

/**
 * Creates the store a `--store` spec names: `memory` (the default), or `<scheme>:<argument>` for
 * stores registered above. An unknown spec throws a `CONFIG_INVALID` BotpeError.
 *
 * @example
 * const store = await createStoreFromSpec('memory');
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
  return factory(argument);
}
