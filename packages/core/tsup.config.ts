import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'runs/index': 'src/runs/index.ts', cli: 'src/cli.ts', skills: 'src/skills-entry.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  clean: true,
  sourcemap: true,
  // Migrations travel inside the bundle so a published CLI still finds them.
  loader: { '.sql': 'text' },
});
