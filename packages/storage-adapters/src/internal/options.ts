import { storageError } from '../errors.js';

/**
 * Reads the `{ <client> } | { <target> }` choice every store's options make: a client the user
 * opened (and keeps closing), or the string to open one from. Throws STORAGE_CONFIG_INVALID
 * naming both forms when neither is given.
 */
export function clientOrTarget<Client>(
  factory: string,
  options: unknown,
  clientKey: string,
  targetKey: string,
): { given: Client | undefined; target: string | undefined } {
  const invalid = () =>
    storageError('STORAGE_CONFIG_INVALID', `${factory} needs { ${targetKey} } or { ${clientKey} }`);
  if (typeof options !== 'object' || options === null) throw invalid();
  const record = options as Record<string, unknown>;
  const given = record[clientKey] === undefined ? undefined : (record[clientKey] as Client);
  const target = record[targetKey];
  if (given === undefined && (typeof target !== 'string' || target.length === 0)) throw invalid();
  return { given, target: typeof target === 'string' ? target : undefined };
}
