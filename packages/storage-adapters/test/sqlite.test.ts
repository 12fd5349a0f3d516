import { join } from 'node:path';
import { createSqliteStore } from '@botpe/storage-adapters/sqlite';
import { runStoreConformance } from '../../engine/src/testing/store-conformance.js';
import { tempDirectory } from './helpers/temp.js';

const file = join(tempDirectory('sqlite-conformance'), 'sessions.db');

runStoreConformance('sqlite', (namespace) => createSqliteStore({ path: file, namespace }), { shared: true });
