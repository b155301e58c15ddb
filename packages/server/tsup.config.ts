import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { bin: 'src/bin.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: true,
  // The serve command is its own chunk, so `--help` never loads Fastify or the database code.
  splitting: true,
  // Dependencies (@aos/core with PGlite's assets, Fastify, pino, zod) stay external.
  banner: { js: '#!/usr/bin/env node' },
});
