import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the sources, so `pnpm test` needs no build first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@botpe\/engine\/testing$/, replacement: here('./packages/engine/src/testing/index.ts') },
      { find: /^@botpe\/engine$/, replacement: here('./packages/engine/src/index.ts') },
      {
        find: /^@botpe\/storage-adapters\/(.*)$/,
        replacement: here('./packages/storage-adapters/src/$1.ts'),
      },
      {
        find: /^@botpe\/whatsapp-adapter\/testing$/,
        replacement: here('./packages/whatsapp-adapter/src/testing/index.ts'),
      },
      { find: /^@botpe\/whatsapp-adapter$/, replacement: here('./packages/whatsapp-adapter/src/index.ts') },
      { find: /^@botpe\/ai-nodes\/testing$/, replacement: here('./packages/ai-nodes/src/testing/index.ts') },
      { find: /^@botpe\/ai-nodes$/, replacement: here('./packages/ai-nodes/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/**/*.test.ts',
      'test/**/*.test.ts',
      'bench/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
