import { defineConfig } from 'tsup';

const library = {
  index: 'src/index.ts',
  'node/index': 'src/node/index.ts',
  'postgres/index': 'src/postgres/index.ts',
  'cli-kit/index': 'src/cli-kit/index.ts',
  'cli-kit/schemas': 'src/cli-kit/schemas.ts',
};

export default defineConfig({
  entry: { ...library, bin: 'src/bin.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  // Only the library has types; bin.ts keeps its `#!/usr/bin/env node` line (esbuild preserves
  // an entry's hashbang) and tsup marks files starting with one executable.
  dts: { entry: library },
  // The coordinator takes the caller's kysely instance; never bundle it.
  external: ['kysely'],
  clean: true,
  sourcemap: false,
  splitting: true,
});
