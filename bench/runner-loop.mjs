// Runs 3-step runs through the real runner for a while, on a throwaway server database or a
// fresh embedded directory, and prints runs/s: the workload `bench/profile.mjs runs` profiles.
//
//   node bench/runner-loop.mjs [--embedded] [--concurrency N] [--seconds S] [--steps 3|25]
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createThrowawayDatabase, ensureWorkDir, loadCore } from './bench-kit.mjs';
import {
  createAndExecuteRun,
  LONG_ECHO_PLAN,
  prepareRunner,
  runConcurrently,
  THREE_STEP_PLAN,
} from './run-workload.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
const embedded = args.includes('--embedded');
const concurrency = Number(option('--concurrency', '4'));
const seconds = Number(option('--seconds', '10'));
const steps = option('--steps', '3') === '25' ? LONG_ECHO_PLAN : THREE_STEP_PLAN;

const core = await loadCore();
const database = embedded ? null : await createThrowawayDatabase();
const home = embedded ? join(ensureWorkDir(), `runner-loop-${process.pid}`) : null;
const store = embedded
  ? await core.openDatabase({ dataDir: join(home, 'pgdata'), env: { AOS_HOME: home } })
  : await core.openDatabase({ url: database.url, poolSize: Math.max(4, concurrency * 2) });
try {
  const runner = await prepareRunner(store.forTenant('bench-tenant'));
  await createAndExecuteRun(store.forTenant('bench-tenant'), runner, steps);
  const result = await runConcurrently(store.forTenant('bench-tenant'), runner, {
    concurrency,
    durationMs: seconds * 1000,
    steps,
  });
  process.stdout.write(
    `${JSON.stringify({
      driver: embedded ? 'embedded' : 'server',
      concurrency,
      stepsPerRun: steps.length,
      runsPerSecond: result.runs / (result.ms / 1000),
      cpuMsPerRun: result.cpuMs / result.runs,
    })}\n`,
  );
} finally {
  await store.close();
  if (database) await database.drop();
  if (home) rmSync(home, { recursive: true, force: true });
}
