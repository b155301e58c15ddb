// Tenant-log sequencer throughput (issue 13): sealed 3-step runs are queued without sequencing
// (the runner's afterSeal left out), then `drainTenantLog` integrates them the way the server's
// sequencer does — per batch of ≤ 256: lock the tenant, read the traces, runs and steps, re-verify
// every trace (hashes, chain, Merkle root, checkpoint signature), append the leaves and the
// subtree nodes they complete, sign one tenant checkpoint. Seals integrated per second, on a
// throwaway database of the local Postgres server, one tenant (the serial worst case).
import { createThrowawayDatabase, figure, loadCore, progress } from './bench-kit.mjs';
import { createAndExecuteRun, prepareRunner, THREE_STEP_PLAN } from './run-workload.mjs';

const TENANT = 'bench-tenant';
const GOAL = 1000;

async function queueSealedRuns(db, runner, count, concurrency = 8) {
  let made = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (made < count) {
        made += 1;
        await createAndExecuteRun(db, runner, THREE_STEP_PLAN);
      }
    }),
  );
}

export async function measureSequencer({ quick }) {
  const runs = quick ? 300 : 3000;
  const database = await createThrowawayDatabase();
  const core = await loadCore();
  const store = await core.openDatabase({ url: database.url, poolSize: 10 });
  try {
    const db = store.forTenant(TENANT);
    const runner = await prepareRunner(db);
    const options = { signingKey: runner.signingKey, trustedKeys: [runner.signingKey.verifierKey] };
    progress(`sequencer: sealing ${runs} runs with no sequencer...`);
    await queueSealedRuns(db, runner, runs);
    const t0 = performance.now();
    const batches = await core.drainTenantLog(db, TENANT, options);
    const ms = performance.now() - t0;
    const logged = batches.reduce((sum, b) => sum + b.traceIds.length, 0);
    if (logged !== runs) throw new Error(`the sequencer logged ${logged} of ${runs} runs`);
    const rate = logged / (ms / 1000);
    progress(`sequencer: ${logged} seals in ${batches.length} batches, ${Math.round(ms)} ms → ${rate.toFixed(0)}/s`);
    return {
      figures: [
        figure({
          name: 'tlog_seals_per_s',
          value: rate,
          unit: 'seals/s',
          reference: null,
          ratio: null,
          goal: `>= ${GOAL} seals/s`,
          met: rate >= GOAL,
          notes:
            `${logged} queued sealed 3-step runs of one tenant integrated by drainTenantLog in ${batches.length} batches ` +
            `(≤ 256 each; every trace re-verified, leaves + nodes appended, one checkpoint signed per batch), ` +
            `${Math.round(ms)} ms, on the local Postgres server.`,
          extra: { runs: logged, batches: batches.length, ms },
        }),
      ],
    };
  } finally {
    await store.close();
    await database.drop();
  }
}
