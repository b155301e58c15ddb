// Runs through the real runner: createRun → plan stored on the run → executeRunAttempt (which
// executes every step, appends each trace step with its cost event in one transaction, and
// completes and seals the trace). Used by `step_append`, `runs_e2e` and `runs_embedded`.
import { loadCore, loadCoreRuns, loadProof } from './bench-kit.mjs';

const TENANT_ID = 'bench-tenant';

function planStep(id, skill, params) {
  return {
    step_id: `s${id}`,
    skill,
    params,
    depends_on: id > 1 ? [`s${id - 1}`] : [],
    on_error: 'abort',
    retry_count: 1,
    output_key: `out${id}`,
    description: `step ${id}`,
  };
}

/** The deterministic 3-step plan of `runs_e2e`: echo, json_transform, echo (using s2's output). */
export const THREE_STEP_PLAN = [
  planStep(1, 'echo', { message: 'benchmark order 42' }),
  planStep(2, 'json_transform', {
    payload: { order: { id: 42, items: [{ sku: 'A-1', qty: 2 }], total: 19.5 } },
    mapping: { id: 'order.id', first_sku: 'order.items[0].sku' },
  }),
  planStep(3, 'echo', { message: 'processed order {{s2.result.id}} ({{s2.result.first_sku}})' }),
];

/** A 25-step plan (the planner's maximum) of echo steps, for `step_append`. */
export const LONG_ECHO_PLAN = Array.from({ length: 25 }, (_, i) =>
  planStep(i + 1, 'echo', { message: `step ${i + 1} of a long run: ${'x'.repeat(64)}` }),
);

/**
 * Opens what a runner needs on an open store: an agent, a signing key and the skill registry.
 */
export async function prepareRunner(db) {
  const core = await loadCore();
  const runs = await loadCoreRuns();
  const proof = await loadProof();
  const agent = await core.createAgent(db, { name: 'bench-agent', tenantId: TENANT_ID });
  const signingKey = proof.generateSigningKey('bench.aos.local');
  return { core, runs, proof, agentId: agent.id, signingKey, registry: core.createSkillRegistry() };
}

/**
 * Creates one run, stores `steps` as its plan (the way the runner tests get multi-step plans:
 * the rules planner only makes 1-step plans) and executes it to a sealed trace. `onEvent`
 * receives the runner's events.
 */
export async function createAndExecuteRun(db, runner, steps, onEvent) {
  const { run } = await runner.runs.createRun(db, {
    tenantId: TENANT_ID,
    agentId: runner.agentId,
    goal: 'benchmark run',
    maxAttempts: 1,
  });
  await storeBenchPlan(db, runner.proof, run.id, steps);
  const outcome = await runner.core.executeRunAttempt(db, run.id, {
    registry: runner.registry,
    env: {},
    signingKey: runner.signingKey,
    onEvent,
  });
  if (outcome.run.status !== 'succeeded') {
    throw new Error(`bench run ${run.id} ended ${outcome.run.status}: ${outcome.run.error_message}`);
  }
  return outcome;
}

/** Stores `steps` as the plan of run `runId` (with its hash), as the runner tests do. */
export async function storeBenchPlan(db, proof, runId, steps) {
  const plan = {
    plan_id: `plan_bench_${runId.slice(0, 8)}`,
    planner: 'rules',
    planner_version: 'bench',
    goal: 'benchmark run',
    steps,
    metadata: {},
  };
  await db
    .updateTable('runs')
    .set({ plan_json: JSON.stringify(plan), plan_hash: proof.computePlanHash(plan) })
    .where('id', '=', runId)
    .execute();
}

/**
 * `concurrency` loops, each creating and executing its own runs of `steps` until `durationMs`
 * has passed. Resolves with { runs, steps, ms, cpuMs } (cpuMs: this process's CPU time).
 */
export async function runConcurrently(db, runner, { concurrency, durationMs, steps }) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  let runs = 0;
  let appended = 0;
  const loop = async () => {
    do {
      const outcome = await createAndExecuteRun(db, runner, steps);
      runs += 1;
      appended += outcome.stepsAppended;
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const cpu = process.cpuUsage(cpu0);
  return { runs, steps: appended, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}
