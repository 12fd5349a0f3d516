import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A temporary directory removed after the file's tests. `memory` puts it on tmpfs (/dev/shm) when the
 * machine has one: SQLite still runs with the same pragmas, but an fsync costs nothing, which keeps
 * tests about semantics fast. Durability itself is not observable in a test; latency figures use disk.
 */
export function tempDirectory(prefix: string, place: 'memory' | 'disk' = 'memory'): string {
  const base = place === 'memory' && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const directory = mkdtempSync(join(base, `botpe-${prefix}-`));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}
