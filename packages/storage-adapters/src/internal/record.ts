import type { SessionRecord } from '@botpe/engine';
import { storageError } from '../errors.js';

/** What a database store writes for one record: the JSON document and the columns it indexes. */
export interface EncodedRecord {
  key: string;
  version: number;
  dueAt: number | null;
  hasOutbox: boolean;
  json: string;
}

const namespacePattern = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * Checks a namespace (or Redis prefix): letters, digits, `_ . : -`, 1 to 100 characters, so it is
 * safe as a Redis key part and readable in logs.
 */
export function checkNamespace(value: unknown, option: string): string {
  if (typeof value !== 'string' || !namespacePattern.test(value)) {
    throw storageError(
      'STORAGE_CONFIG_INVALID',
      `${option} must be 1-100 characters of A-Z a-z 0-9 _ . : -`,
      {
        details: { option },
      },
    );
  }
  return value;
}

/** Checks the indexed fields of a record, then serialises it. A bad record never reaches the database. */
export function encodeRecord(record: SessionRecord): EncodedRecord {
  if (typeof record !== 'object' || record === null) {
    throw storageError('STORAGE_RECORD_INVALID', 'a session record must be an object');
  }
  const { key, version, dueAt, outbox } = record;
  if (typeof key !== 'string' || key.length === 0) {
    throw storageError('STORAGE_RECORD_INVALID', 'record.key must be a non-empty string');
  }
  if (!Number.isSafeInteger(version) || version < 0) {
    throw storageError('STORAGE_RECORD_INVALID', 'record.version must be a non-negative integer', {
      details: { key },
    });
  }
  if (dueAt !== null && !(typeof dueAt === 'number' && Number.isFinite(dueAt))) {
    throw storageError('STORAGE_RECORD_INVALID', 'record.dueAt must be a finite number or null', {
      details: { key },
    });
  }
  if (!Array.isArray(outbox)) {
    throw storageError('STORAGE_RECORD_INVALID', 'record.outbox must be an array', { details: { key } });
  }
  let json: string;
  try {
    json = JSON.stringify(record);
  } catch (cause) {
    throw storageError('STORAGE_RECORD_INVALID', 'record is not serialisable as JSON', {
      cause,
      details: { key },
    });
  }
  return { key, version, dueAt, hasOutbox: outbox.length > 0, json };
}

/** Parses a stored document; a row that is not a record of this key is reported, not returned. */
export function decodeRecord(json: string, key: string): SessionRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw storageError('STORAGE_RECORD_CORRUPT', 'stored session is not valid JSON', {
      cause,
      details: { key },
    });
  }
  if (typeof value !== 'object' || value === null || (value as { key?: unknown }).key !== key) {
    throw storageError('STORAGE_RECORD_CORRUPT', 'stored session is not a record of this key', {
      details: { key },
    });
  }
  return value as SessionRecord;
}

/** Checks the arguments every store validates the same way. */
export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw storageError('STORAGE_ARGUMENT_INVALID', 'key must be a non-empty string');
  }
  return key;
}

export function checkExpectedVersion(expected: unknown): number | null {
  if (expected === null) return null;
  if (!Number.isSafeInteger(expected) || (expected as number) < 0) {
    throw storageError('STORAGE_ARGUMENT_INVALID', 'expectedVersion must be null or a non-negative integer');
  }
  return expected as number;
}

export function checkLimit(limit: unknown): number {
  if (!Number.isSafeInteger(limit) || (limit as number) < 0) {
    throw storageError('STORAGE_ARGUMENT_INVALID', 'limit must be a non-negative integer');
  }
  return limit as number;
}

export function checkNow(now: unknown): number {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw storageError('STORAGE_ARGUMENT_INVALID', 'now must be a finite number of milliseconds');
  }
  return now;
}
