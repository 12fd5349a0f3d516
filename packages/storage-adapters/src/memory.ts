/**
 * The in-process store of `@botpe/engine`, re-exported so every store has a subpath here.
 * Sessions live as long as the process: use it for tests, the CLI and single-process demos.
 *
 * @example
 * import { createMemoryStore } from '@botpe/storage-adapters/memory';
 * const engine = createEngine({ flows: [flow], store: createMemoryStore() });
 */
export { createMemoryStore, type MemoryStoreOptions } from '@botpe/engine';
export { STORAGE_ERROR_CODES, type StorageErrorCode } from './errors.js';
