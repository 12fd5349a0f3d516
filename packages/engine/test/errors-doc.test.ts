import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENGINE_ERROR_CODES, FLOW_ISSUE_CODES } from '@botpe/engine';
import { describe, expect, it } from 'vitest';

const docs = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
const documented = new Set([...docs.matchAll(/^\| `([A-Za-z_.]+)` \|/gm)].map((match) => match[1]));

/** Every package's code list: `export const *_ERROR_CODES = [...] as const` in its `src/errors.ts`. */
async function packageCodes(): Promise<string[]> {
  const packagesDir = fileURLToPath(new URL('../../', import.meta.url));
  const codes: string[] = [...ENGINE_ERROR_CODES, ...FLOW_ISSUE_CODES];
  for (const name of readdirSync(packagesDir)) {
    if (name === 'engine') continue;
    let index: Record<string, unknown>;
    try {
      index = await import(`${packagesDir}${name}/src/errors.ts`);
    } catch {
      continue;
    }
    for (const [key, value] of Object.entries(index)) {
      if (key.endsWith('_ERROR_CODES') && Array.isArray(value)) codes.push(...(value as string[]));
    }
  }
  return codes;
}

describe('docs/errors.md', () => {
  it('documents every error and issue code of every package, and no other', async () => {
    const codes = await packageCodes();
    const missing = codes.filter((code) => !documented.has(code));
    expect(missing, 'codes with no row in docs/errors.md').toEqual([]);
    const stale = [...documented].filter((code) => !codes.includes(code!));
    expect(stale, 'rows in docs/errors.md for codes that no longer exist').toEqual([]);
  });
});
