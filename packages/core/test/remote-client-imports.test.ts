import { fileURLToPath } from 'node:url';
import { DATABASE_MODULES, recordLoadedModules, requireBuilt } from '@aos/testkit';
import { describe, expect, it } from 'vitest';

const CLIENT = fileURLToPath(new URL('../dist/client.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('@aos/core/client loads no database code', () => {
  it('importing the built client entry resolves no database driver and no kysely', async () => {
    requireBuilt(CLIENT);
    const script = `const c = await import(${JSON.stringify(CLIENT)}); if (typeof c.connectAos !== 'function') process.exit(9);`;
    const run = await recordLoadedModules(['--input-type=module', '-e', script]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.modules.some((m) => m.endsWith('/dist/client.js'))).toBe(true);
    expect(run.modules.filter((m) => DATABASE_MODULES.test(m))).toEqual([]);
  });

  it('the recorder sees the drivers the local facade loads (so the test above can fail)', async () => {
    requireBuilt(MAIN);
    const run = await recordLoadedModules(['--input-type=module', '-e', `await import(${JSON.stringify(MAIN)});`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.modules.filter((m) => DATABASE_MODULES.test(m)).length).toBeGreaterThan(0);
  });
});
