import { BotpeError } from '@botpe/engine';
import { storageError } from '../errors.js';

/**
 * Opens a store's connection (and runs its migrations) once, on first use, and closes it once.
 * A failed open is forgotten, so a store created while its database is down works once it is up.
 */
export interface Lifecycle<Resource> {
  /** The open resource; throws STORAGE_CLOSED after `close()`. */
  get(): Promise<Resource>;
  /** The resource when it is already open (a fast path without an extra await), else undefined. */
  current(): Resource | undefined;
  close(): Promise<void>;
  readonly closed: boolean;
}

export function createLifecycle<Resource>(
  storeName: string,
  open: () => Promise<Resource>,
  shutdown: (resource: Resource | undefined) => Promise<void>,
): Lifecycle<Resource> {
  let opening: Promise<Resource> | undefined;
  let resource: Resource | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;

  const closedError = () => storageError('STORAGE_CLOSED', `the ${storeName} store is closed`);

  return {
    get closed() {
      return closed;
    },
    current() {
      if (closed) throw closedError();
      return resource;
    },
    get() {
      if (closed) return Promise.reject(closedError());
      if (resource !== undefined) return Promise.resolve(resource);
      opening ??= open().then(
        (value) => {
          resource = value;
          return value;
        },
        (error: unknown) => {
          opening = undefined;
          throw BotpeError.isInstance(error)
            ? error
            : storageError('STORAGE_FAILED', `could not open the ${storeName} store: ${reason(error)}`, {
                cause: error,
                retryable: true,
              });
        },
      );
      return opening;
    },
    close() {
      closed = true;
      closing ??= (async () => {
        // Wait for an open in progress, so the connection it makes is closed too.
        const value = resource ?? (opening ? await opening.catch(() => undefined) : undefined);
        await shutdown(value);
      })();
      return closing;
    },
  };
}

/** A connection error's own words (an address, a refusal); they carry no message content. */
function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps a driver error as STORAGE_FAILED, keeping BotpeErrors as they are. */
export function wrapFailure(
  storeName: string,
  operation: string,
  error: unknown,
  retryable = true,
): BotpeError {
  if (BotpeError.isInstance(error)) return error;
  return storageError('STORAGE_FAILED', `${storeName} ${operation} failed`, {
    cause: error,
    retryable,
    details: { store: storeName, operation },
  });
}
