import { readFileSync } from 'node:fs';
import { WHATSAPP_ADAPTER_ERROR_CODES } from '@botpe/whatsapp-adapter';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../../docs/errors/whatsapp-adapter.md', import.meta.url), 'utf8');
const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);

describe('docs/errors/whatsapp-adapter.md', () => {
  it('documents exactly the codes the package raises', () => {
    expect([...documented].sort()).toEqual([...WHATSAPP_ADAPTER_ERROR_CODES].sort());
  });
});
