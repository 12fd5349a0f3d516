import { BotpeError, type BotpeErrorOptions } from '@botpe/engine';

/** The codes `@botpe/storage-adapters` raises. Every one is documented in docs/errors.md. */
export const STORAGE_ERROR_CODES = [
  'STORAGE_CONFIG_INVALID',
  'STORAGE_DRIVER_MISSING',
  'STORAGE_FAILED',
  'STORAGE_CLOSED',
  'STORAGE_SCHEMA_TOO_NEW',
  'STORAGE_MIGRATION_FAILED',
  'STORAGE_RECORD_INVALID',
  'STORAGE_RECORD_CORRUPT',
  'STORAGE_ARGUMENT_INVALID',
] as const;

export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[number];

/**
 * An error raised by a store of `@botpe/storage-adapters`.
 *
 * @example
 * throw storageError('STORAGE_CLOSED', 'the sqlite store is closed');
 */
export function storageError(code: StorageErrorCode, message: string, options?: BotpeErrorOptions) {
  return new BotpeError(code, `[@botpe/storage-adapters] ${message}`, options);
}

/** The error for a database client that cannot be loaded: not installed, or built for another Node. */
export function driverMissing(pkg: string, cause: unknown) {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const name = pkg.slice(0, pkg.lastIndexOf('@'));
  return storageError('STORAGE_DRIVER_MISSING', `could not load ${name} (npm install ${pkg}): ${reason}`, {
    cause,
  });
}
