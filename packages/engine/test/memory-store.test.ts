import { createMemoryStore } from '../src/runtime/memory-store.js';
import { runStoreConformance } from '../src/testing/store-conformance.js';

// The memory store is private to its instance, so the shared-database cases skip.
runStoreConformance('memory', (namespace) => createMemoryStore({ namespace }));
