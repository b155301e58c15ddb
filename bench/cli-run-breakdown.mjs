// Where the time of `cus-cli run` and `cus-cli list-skills` goes, measured in a fresh process
// with the same calls the CLI makes. Prints one JSON line.
//
//   node bench/cli-run-breakdown.mjs imports
//   node bench/cli-run-breakdown.mjs run <AOS_HOME> <agent id> <tenant id>
import { join } from 'node:path';
import { loadCore, loadCoreRuns, loadProofNode, requireFromCore } from './bench-kit.mjs';

const [mode, home, agentId, tenantId] = process.argv.slice(2);
const timings = {};
async function step(name, fn) {
  const t0 = performance.now();
  const value = await fn();
  timings[name] = Math.round(performance.now() - t0);
  return value;
}

if (mode === 'imports') {
  // Import cost of @aos/core's barrel, split by the heavy dependencies it loads eagerly (CJS
  // builds, loaded first, so the barrel's own line is what remains).
  for (const name of ['zod', 'kysely', 'pg', 'nodemailer', '@electric-sql/pglite']) {
    await step(name, () => requireFromCore(name));
  }
  await step('@aos/core (rest of the barrel)', () => loadCore());
} else if (mode === 'run') {
  const env = { ...process.env, AOS_HOME: home, DATABASE_URL: '' };
  const core = await step('import @aos/core + runs', async () => {
    await loadCoreRuns();
    return loadCore();
  });
  const runs = await loadCoreRuns();
  const proof = await loadProofNode();
  const signingKey = await step('load signing key', () => proof.loadSigningKey({ env, home }));
  const store = await step('open embedded database (PGlite)', () =>
    core.openDatabase({ env, dataDir: join(home, 'pgdata'), migrate: false }),
  );
  await step('check migrations (kysely Migrator)', () => core.migrateToLatest(store.admin));
  await step('read applied migration names (one SELECT)', () =>
    store.db.selectFrom('aos_migrations').select('name').execute(),
  );
  await step('runGoal (create, plan, execute, seal)', () =>
    runs.runGoal(
      store.forTenant(tenantId),
      { tenantId, agentId, goal: 'echo breakdown' },
      { registry: core.createSkillRegistry(), env, signingKey },
    ),
  );
  await step('close', () => store.close());
} else {
  process.stderr.write('usage: cli-run-breakdown.mjs imports | run <AOS_HOME> <agent id> <tenant id>\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(timings)}\n`);
