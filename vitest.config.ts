import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitest/config';

// Migrations are embedded as text, as tsup's `.sql` text loader does in the build;
// `aos-migrations:<file>` names a file of migrations/ (packages/core/tsup.config.ts resolves it too).
const sqlAsText: Plugin = {
  name: 'aos-sql-as-text',
  resolveId(source) {
    if (!source.startsWith('aos-migrations:')) return null;
    return fileURLToPath(new URL(`migrations/${source.slice('aos-migrations:'.length)}`, import.meta.url));
  },
  load(id) {
    if (!id.endsWith('.sql')) return null;
    return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
  },
};

export default defineConfig({
  plugins: [sqlAsText],
  resolve: { conditions: ['@aos/source'] },
  ssr: { resolve: { conditions: ['@aos/source'] } },
  // The global setup runs in vitest's own environment, which ignores the two settings above.
  environments: { __vitest__: { resolve: { conditions: ['@aos/source', 'import', 'module', 'node', 'default'] } } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'tools/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'tools/boundaries/fixtures/**'],
    globalSetup: ['tools/testkit/src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 3,
    projects: [
      { extends: true, test: { name: 'aos' } },
      // @aos/proof's suite again, with its `#platform` import resolved to the browser
      // implementation (@noble, no node:crypto): the code a browser runs passes the same tests.
      {
        // Not `extends: true`: that would merge this project's `include` with the root one.
        resolve: { conditions: ['@aos/browser-platform', '@aos/source'] },
        ssr: { resolve: { conditions: ['@aos/browser-platform', '@aos/source'] } },
        test: {
          name: 'proof-browser-platform',
          include: ['packages/proof/src/**/*.test.ts'],
          env: { AOS_PROOF_PLATFORM: 'browser' },
          testTimeout: 60_000,
          pool: 'forks',
        },
      },
    ],
  },
});
