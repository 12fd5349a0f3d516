import { readFileSync } from 'node:fs';
import { AI_ERROR_CODES } from '@botpe/ai-nodes';
import { expect, it } from 'vitest';

it('documents every error code in docs/errors/ai-nodes.md, and no other', () => {
  const doc = readFileSync(new URL('../../../docs/errors/ai-nodes.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
  expect(documented.sort()).toEqual([...AI_ERROR_CODES].sort());
});
