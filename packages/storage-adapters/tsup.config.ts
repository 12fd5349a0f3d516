import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    memory: 'src/memory.ts',
    sqlite: 'src/sqlite.ts',
    postgres: 'src/postgres.ts',
    redis: 'src/redis.ts',
  },
  format: ['esm', 'cjs'],
  dts: {
    // Type-check against the engine's sources, so this package builds without building the engine
    // first; `@botpe/engine` stays an import in the emitted declarations (it is external).
    compilerOptions: { baseUrl: '.', paths: { '@botpe/engine': ['../engine/src/index.ts'] } },
  },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The engine and the database clients are the user's installs, never bundled.
  external: ['@botpe/engine', 'better-sqlite3', 'pg', 'ioredis'],
});
