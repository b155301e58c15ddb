import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { bin: 'src/bin.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: true,
  // Commands are separate chunks so `--help` never loads the database code.
  splitting: true,
  // Dependencies (@aos/core with PGlite's assets, yargs, zod) stay external.
  banner: { js: '#!/usr/bin/env node' },
});
