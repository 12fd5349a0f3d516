import { join } from 'node:path';
import { runStoreConformance } from '@botpe/engine/testing';
import { createSqliteStore } from '@botpe/storage-adapters/sqlite';
import { tempDirectory } from './helpers/temp.js';

const file = join(tempDirectory('sqlite-conformance'), 'sessions.db');

runStoreConformance('sqlite', (namespace) => createSqliteStore({ path: file, namespace }), { shared: true });
