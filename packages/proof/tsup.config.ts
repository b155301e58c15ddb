import { defineConfig } from 'tsup';

const library = {
  index: 'src/index.ts',
  'node/index': 'src/node/index.ts',
  'postgres/index': 'src/postgres/index.ts',
  'cli-kit/index': 'src/cli-kit/index.ts',
  'cli-kit/schemas': 'src/cli-kit/schemas.ts',
};

export default defineConfig({
  // The two `#platform` implementations are their own files: package.json's `imports` picks
  // one at run time (Node: node:crypto; browsers and bundlers: @noble), so it is never bundled.
  entry: {
    ...library,
    bin: 'src/bin.ts',
    'platform/node': 'src/platform/node.ts',
    'platform/browser': 'src/platform/browser.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  // Only the library has types; bin.ts keeps its `#!/usr/bin/env node` line (esbuild preserves
  // an entry's hashbang) and tsup marks files starting with one executable.
  dts: { entry: library },
  // The coordinator takes the caller's kysely instance; never bundle it.
  external: ['kysely', '#platform'],
  clean: true,
  sourcemap: false,
  splitting: true,
});
