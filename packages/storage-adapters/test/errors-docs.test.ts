import { readFileSync } from 'node:fs';
import { STORAGE_ERROR_CODES } from '@botpe/storage-adapters/sqlite';
import { describe, expect, it } from 'vitest';

const docs = readFileSync(new URL('../../../docs/errors/storage-adapters.md', import.meta.url), 'utf8');

describe('docs/errors/storage-adapters.md', () => {
  it.each(STORAGE_ERROR_CODES)('documents %s in its table', (code) => {
    expect(docs).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it('documents no code the package does not raise', () => {
    const documented = [...docs.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...STORAGE_ERROR_CODES].sort());
  });
});
