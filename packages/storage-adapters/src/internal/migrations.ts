import { storageError } from '../errors.js';

/** One step of a store's schema, applied once, in order, inside the migration lock. */
export interface Migration {
  version: number;
  statements: readonly string[];
}

/**
 * The migrations a database at `current` still needs. A database migrated by a newer release is
 * refused rather than written with an older layout.
 */
export function pendingMigrations(
  storeName: string,
  current: number,
  migrations: readonly Migration[],
): Migration[] {
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw storageError(
      'STORAGE_SCHEMA_TOO_NEW',
      `the ${storeName} schema is at version ${current}, this release knows up to ${latest}`,
      { details: { store: storeName, current, latest } },
    );
  }
  return migrations.filter((migration) => migration.version > current);
}
