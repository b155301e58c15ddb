import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    bin: 'src/bin.ts',
    'node/index': 'src/node/index.ts',
    'postgres/index': 'src/postgres/index.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  // Only the library has types; bin.ts keeps its `#!/usr/bin/env node` line (esbuild preserves
  // an entry's hashbang) and tsup marks files starting with one executable.
  dts: {
    entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts', 'postgres/index': 'src/postgres/index.ts' },
  },
  // The coordinator takes the caller's kysely instance; never bundle it.
  external: ['kysely'],
  clean: true,
  sourcemap: false,
  splitting: true,
});
