import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { bin: 'src/bin.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  // Our own code is bundled (one file to load for --help); command modules become chunks
  // loaded only when their command runs, so the database stack is never read for --help.
  splitting: true,
  clean: true,
  sourcemap: true,
  dts: false,
  // Every dependency stays a package import: PGlite's .wasm/.data assets must be found
  // inside its own package, and @aos/core/@aos/proof are shared with other tools.
  external: [/^@aos\//, 'yargs', 'zod'],
  banner: { js: '#!/usr/bin/env node' },
});
