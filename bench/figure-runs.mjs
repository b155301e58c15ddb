// Figures 2–4: `step_append`, `runs_e2e` (server Postgres) and `runs_embedded` (PGlite), all
// through the real runner, each next to the database's own commit rate measured in the same run.
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createThrowawayDatabase, figure, loadCore, loadPg, progress } from './bench-kit.mjs';
import {
  createAndExecuteRun,
  LONG_ECHO_PLAN,
  prepareRunner,
  runConcurrently,
  THREE_STEP_PLAN,
} from './run-workload.mjs';

const CONCURRENCY = [1, 2, 4];
const RUNS_GOAL = 300;
const STEP_ROW_PAYLOAD = 'x'.repeat(600);

async function scratchTable(query) {
  await query('CREATE TABLE IF NOT EXISTS bench_scratch (id bigserial PRIMARY KEY, payload text NOT NULL)');
}

/**
 * Statements and commits of one run of `plan` on the server, counted at the pg client: a
 * COMMIT, or a write sent outside a transaction, is one commit.
 */
async function countRunStatements(db, runner, plan = THREE_STEP_PLAN) {
  const { Client } = loadPg();
  const original = Client.prototype.query;
  const texts = [];
  Client.prototype.query = function query(config, ...rest) {
    texts.push(typeof config === 'string' ? config : (config?.text ?? ''));
    return original.call(this, config, ...rest);
  };
  try {
    await createAndExecuteRun(db, runner, plan);
  } finally {
    Client.prototype.query = original;
  }
  let inTransaction = false;
  let commits = 0;
  for (const text of texts) {
    const verb = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (verb === 'begin') inTransaction = true;
    else if (verb === 'commit' || verb === 'rollback') {
      inTransaction = false;
      if (verb === 'commit') commits += 1;
    } else if (!inTransaction && ['insert', 'update', 'delete', 'with'].includes(verb)) commits += 1;
  }
  return { statements: texts.length, commits };
}

/** Single-row INSERT + COMMIT (autocommit) per second on `connections` server connections. */
export async function serverCommitRate(url, connections, durationMs) {
  const pg = loadPg();
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  try {
    await scratchTable((text) => clients[0].query(text));
    const t0 = performance.now();
    const deadline = t0 + durationMs;
    const counts = await Promise.all(
      clients.map(async (client) => {
        let n = 0;
        do {
          await client.query('INSERT INTO bench_scratch (payload) VALUES ($1)', [STEP_ROW_PAYLOAD]);
          n += 1;
        } while (performance.now() < deadline);
        return n;
      }),
    );
    return counts.reduce((a, b) => a + b, 0) / ((performance.now() - t0) / 1000);
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

/** The same through the embedded store's own kysely instance (PGlite has one session). */
async function embeddedCommitRate(db, durationMs) {
  await db.schema
    .createTable('bench_scratch')
    .ifNotExists()
    .addColumn('id', 'bigserial', (column) => column.primaryKey())
    .addColumn('payload', 'text', (column) => column.notNull())
    .execute();
  const t0 = performance.now();
  let n = 0;
  do {
    await db.insertInto('bench_scratch').values({ payload: STEP_ROW_PAYLOAD }).execute();
    n += 1;
  } while (performance.now() - t0 < durationMs);
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Steps appended per second inside long runs: the time between consecutive `step_finished`
 * events of a run (each step executed, hashed, and committed with its cost event), so run
 * creation, claim and sealing are left out. 25-step plans, the planner's maximum.
 */
async function stepAppendRate(db, runner, durationMs) {
  let intervals = 0;
  let intervalMs = 0;
  let runs = 0;
  const t0 = performance.now();
  do {
    let last = null;
    await createAndExecuteRun(db, runner, LONG_ECHO_PLAN, (event) => {
      if (event.type !== 'step_finished') return;
      const now = performance.now();
      if (last !== null) {
        intervals += 1;
        intervalMs += now - last;
      }
      last = now;
    });
    runs += 1;
  } while (performance.now() - t0 < durationMs);
  const wallMs = performance.now() - t0;
  return { rate: intervals / (intervalMs / 1000), runs, overall: (runs * LONG_ECHO_PLAN.length) / (wallMs / 1000) };
}

// One statement, so one round trip and one commit, that appends a step with its cost event (the
// shape appendTraceStep uses for a zero-cost step since the runner's one-statement change).
const APPEND_IN_ONE_STATEMENT = `
  WITH step AS (
    INSERT INTO aos_trace_steps (trace_id, step_index, run_id, tenant_id, attempt, plan_step_id, skill_id,
      skill_name, skill_version, params, status, outcome_category, outcome_code, outcome_data, error, cost_cents,
      duration_ms, retry_count, replay_behavior, started_at, completed_at, leaf_hash, prev_hash, step_hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
    RETURNING trace_id, step_index, run_id, tenant_id, skill_name, cost_cents)
  INSERT INTO cost_events (tenant_id, run_id, agent_id, skill, trace_id, step_index, cost_cents)
  SELECT tenant_id, run_id, $25, skill_name, trace_id, step_index, cost_cents FROM step`;

/**
 * The append alone, without the runner: steps/s when each step is hashed with @aos/proof as the
 * runner hashes it and appended with its cost event by {@link APPEND_IN_ONE_STATEMENT} through
 * plain pg on one connection, into a running trace (the real tables and triggers).
 */
async function oneStatementAppendRate(url, runner, durationMs) {
  const pg = loadPg();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { proof, agentId } = runner;
    const runId = randomUUID();
    const traceId = `trace_${runId}`;
    const tenantId = 'bench-tenant';
    const plan = { plan_id: 'plan_sql_only', steps: [] };
    const planHash = proof.computePlanHash(plan);
    await client.query(
      `INSERT INTO runs (id, tenant_id, agent_id, origin_system_id, goal, status, attempts, plan_json, plan_hash)
       VALUES ($1, $2, $3, 'bench', 'append in plain SQL', 'running', 1, $4, $5)`,
      [runId, tenantId, agentId, JSON.stringify(plan), planHash],
    );
    let head = proof.computeGenesisHash({ plan_hash: planHash, run_id: runId, tenant_id: tenantId, trace_id: traceId });
    await client.query(
      `INSERT INTO aos_traces (trace_id, run_id, tenant_id, agent_id, plan, plan_hash, genesis_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [traceId, runId, tenantId, agentId, JSON.stringify(plan), planHash, head],
    );
    const t0 = performance.now();
    let n = 0;
    do {
      const now = Date.now();
      const message = `step ${n + 1} of a long run: ${'x'.repeat(64)}`;
      const row = {
        trace_id: traceId,
        step_index: n,
        run_id: runId,
        tenant_id: tenantId,
        attempt: 1,
        plan_step_id: `s${(n % 25) + 1}`,
        skill_id: 'echo@1.0.0',
        skill_name: 'echo',
        skill_version: '1.0.0',
        params: { message },
        status: 'success',
        outcome_category: 'success',
        outcome_code: 'OK',
        outcome_data: { message },
        error: null,
        cost_cents: 0,
        duration_ms: 0.05,
        retry_count: 0,
        replay_behavior: 'execute',
        started_at: new Date(now).toISOString(),
        completed_at: new Date(now).toISOString(),
      };
      const link = proof.extendChain(head, proof.toStepEnvelope(row));
      await client.query(APPEND_IN_ONE_STATEMENT, [
        ...Object.values(row).map((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v)),
        link.leaf_hash,
        link.prev_hash,
        link.step_hash,
        agentId,
      ]);
      head = link.step_hash;
      n += 1;
    } while (performance.now() - t0 < durationMs);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await client.end();
  }
}

export async function measureStepAppend({ quick }) {
  // Short alternating slices: the server's fsync rate changes by 3x within a minute here.
  const slices = quick ? 2 : 8;
  const refMs = quick ? 500 : 1000;
  const aosMs = quick ? 1000 : 2000;
  const database = await createThrowawayDatabase();
  const core = await loadCore();
  const store = await core.openDatabase({ url: database.url, poolSize: 4 });
  try {
    const runner = await prepareRunner(store.forTenant('bench-tenant'));
    await createAndExecuteRun(store.forTenant('bench-tenant'), runner, LONG_ECHO_PLAN); // warm-up
    const long = await countRunStatements(store.forTenant('bench-tenant'), runner, LONG_ECHO_PLAN);
    const short = await countRunStatements(store.forTenant('bench-tenant'), runner, THREE_STEP_PLAN);
    const perStep = {
      statements: (long.statements - short.statements) / (LONG_ECHO_PLAN.length - THREE_STEP_PLAN.length),
      commits: (long.commits - short.commits) / (LONG_ECHO_PLAN.length - THREE_STEP_PLAN.length),
    };
    const refs = [];
    const appends = [];
    const sqlOnly = [];
    // Reference, runner and plain SQL alternate, so all see the same disk and neighbours.
    for (let slice = 1; slice <= slices; slice++) {
      progress(`step_append: slice ${slice}/${slices}: reference INSERT loop...`);
      refs.push(await serverCommitRate(database.url, 1, refMs));
      progress(`step_append: slice ${slice}/${slices}: runner, 25-step runs...`);
      appends.push(await stepAppendRate(store.forTenant('bench-tenant'), runner, aosMs));
      progress(`step_append: slice ${slice}/${slices}: the same append in plain SQL...`);
      sqlOnly.push(await oneStatementAppendRate(database.url, runner, refMs));
    }
    const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
    const reference = mean(refs);
    const value = mean(appends.map((a) => a.rate));
    const overall = mean(appends.map((a) => a.overall));
    const sqlOnlyRate = mean(sqlOnly);
    const refFigure = { name: 'single-row INSERT+COMMIT on one connection', value: reference, unit: 'rows/s' };
    return {
      figures: [
        figure({
          name: 'step_append',
          value,
          unit: 'steps/s',
          reference: refFigure,
          ratio: value / reference,
          goal: 'ratio >= 0.8',
          met: value / reference >= 0.8,
          notes:
            'appendTraceStep is not exported, so this is executeRunAttempt over 25-step echo plans, timed between ' +
            'consecutive step_finished events (each step: skill executed, hashed, appended with its cost event; ' +
            `${perStep.statements} statement(s) and ${perStep.commits} commit(s) per step, counted). ` +
            `Including run create/claim/seal: ${overall.toFixed(0)} steps/s. ${slices} alternating slices; ` +
            `per slice ref ${refs.map((r) => r.toFixed(0)).join('/')} vs runner ${appends.map((a) => a.rate.toFixed(0)).join('/')}.`,
        }),
        figure({
          name: 'step_append_sql_only',
          value: sqlOnlyRate,
          unit: 'steps/s',
          reference: refFigure,
          ratio: sqlOnlyRate / reference,
          goal: null,
          met: null,
          notes:
            'The append alone, without the runner: same hashing via @aos/proof, step + cost event in one statement ' +
            '(data-modifying CTE, 1 round trip, 1 commit) through plain pg: the floor of step_append with the ' +
            `current schema and triggers. Per slice ${sqlOnly.map((p) => p.toFixed(0)).join('/')}.`,
        }),
      ],
    };
  } finally {
    await store.close();
    await database.drop();
  }
}

/** Runs/s at each concurrency, and this process's CPU per run and share of one core. */
async function runsCurve(db, runner, durationMs, label) {
  const curve = {};
  const cpu = {};
  for (const concurrency of CONCURRENCY) {
    progress(`${label}: ${concurrency} concurrent runner(s)...`);
    const result = await runConcurrently(db, runner, { concurrency, durationMs, steps: THREE_STEP_PLAN });
    curve[concurrency] = result.runs / (result.ms / 1000);
    cpu[concurrency] = { msPerRun: result.cpuMs / result.runs, coreShare: result.cpuMs / result.ms };
  }
  return { curve, cpu };
}

const cpuText = (cpu) =>
  Object.entries(cpu)
    .map(([c, v]) => `${c}: ${v.msPerRun.toFixed(1)} ms/run, ${(v.coreShare * 100).toFixed(0)}% of a core`)
    .join('; ');

function bestOf(curve) {
  return Object.entries(curve).reduce((best, [c, rate]) => (rate > best.rate ? { c: Number(c), rate } : best), {
    c: 0,
    rate: 0,
  });
}

const curveText = (curve) =>
  Object.entries(curve)
    .map(([c, rate]) => `${c}: ${rate.toFixed(0)}`)
    .join(', ');

export async function measureRunsServer({ quick }) {
  const durationMs = quick ? 1000 : 8000;
  const database = await createThrowawayDatabase();
  const core = await loadCore();
  const store = await core.openDatabase({ url: database.url, poolSize: 8 });
  try {
    const runner = await prepareRunner(store.forTenant('bench-tenant'));
    await createAndExecuteRun(store.forTenant('bench-tenant'), runner, THREE_STEP_PLAN);
    const perRun = await countRunStatements(store.forTenant('bench-tenant'), runner);
    progress('runs_e2e: reference INSERT loop on 4 connections...');
    const before = await serverCommitRate(database.url, 4, quick ? 750 : 2500);
    const { curve, cpu } = await runsCurve(store.forTenant('bench-tenant'), runner, durationMs, 'runs_e2e');
    const after = await serverCommitRate(database.url, 4, quick ? 750 : 2500);
    const commits = (before + after) / 2;
    const ceiling = commits / perRun.commits;
    const best = bestOf(curve);
    return {
      perRun,
      figures: [
        figure({
          name: 'runs_e2e',
          value: best.rate,
          unit: 'runs/s',
          reference: {
            name: `commit ceiling: 4-connection single-row commits/s (${commits.toFixed(0)}) / ${perRun.commits} commits per run`,
            value: ceiling,
            unit: 'runs/s',
          },
          ratio: best.rate / ceiling,
          goal: `>= ${RUNS_GOAL} runs/s at the best concurrency`,
          met: best.rate >= RUNS_GOAL,
          notes: `3-step runs (echo, json_transform, echo) created, planned (stored plan), executed, sealed. Curve (runners: runs/s): ${curveText(curve)}; best at ${best.c}. Each run = ${perRun.statements} statements, ${perRun.commits} commits. Runner process CPU: ${cpuText(cpu)}.`,
          extra: { curve, cpu, commitsPerSecond4: commits },
        }),
      ],
    };
  } finally {
    await store.close();
    await database.drop();
  }
}

/**
 * Leaves its embedded directory in `embeddedHomeDir` (the caller removes it) for `cli_cold` to
 * use as a warm directory.
 */
export async function measureRunsEmbedded({ quick, embeddedHomeDir, perRun }) {
  const durationMs = quick ? 750 : 5000;
  const core = await loadCore();
  const home = embeddedHomeDir;
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  progress('runs_embedded: creating a fresh embedded database (initdb + migrations)...');
  const store = await core.openDatabase({ dataDir: join(home, 'pgdata'), env: { AOS_HOME: home } });
  try {
    const runner = await prepareRunner(store.forTenant('bench-tenant'));
    await createAndExecuteRun(store.forTenant('bench-tenant'), runner, THREE_STEP_PLAN);
    progress('runs_embedded: reference INSERT loop...');
    const commits = await embeddedCommitRate(store.admin, quick ? 750 : 2500);
    // Commits per run as counted on the server (same code path); 8 when runs_e2e did not run.
    const commitsPerRun = perRun?.commits ?? 8;
    const ceiling = commits / commitsPerRun;
    const { curve, cpu } = await runsCurve(store.forTenant('bench-tenant'), runner, durationMs, 'runs_embedded');
    const best = bestOf(curve);
    return {
      embeddedHome: home,
      figures: [
        figure({
          name: 'runs_embedded',
          value: best.rate,
          unit: 'runs/s',
          reference: {
            name: `PGlite ceiling: single-row commits/s (${commits.toFixed(0)}) / ${commitsPerRun} commits per run`,
            value: ceiling,
            unit: 'runs/s',
          },
          ratio: best.rate / ceiling,
          goal: `>= ${RUNS_GOAL} runs/s at the best concurrency (same goal as runs_e2e)`,
          met: best.rate >= RUNS_GOAL,
          notes: `Same runs on embedded PGlite, one process (one session: concurrency only interleaves). Curve: ${curveText(curve)}. Process CPU (runner + PGlite): ${cpuText(cpu)}.`,
          extra: { curve, cpu, commitsPerSecond: commits },
        }),
      ],
    };
  } finally {
    await store.close();
  }
}
