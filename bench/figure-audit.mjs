// Figure 6, `audit_throughput`: sealed traces verified per second by `int-cli audit` on the
// server database. The traces are written by batched inserts of rows hashed with @aos/proof
// (what the runner would store, 5 echo steps each, sealed and signed), which takes seconds
// where running 10k runs through the runner would take minutes.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  createThrowawayDatabase,
  ensureWorkDir,
  figure,
  INT_CLI_BIN,
  loadCore,
  loadPg,
  loadProof,
  progress,
  runProcess,
} from './bench-kit.mjs';

const TENANT_ID = 'bench-audit';
const STEPS_PER_TRACE = 5;
const BATCH = 500;

function tracePlan(runId) {
  return {
    plan_id: `plan_audit_${runId.slice(0, 8)}`,
    planner: 'rules',
    planner_version: 'bench',
    goal: 'audit benchmark',
    steps: Array.from({ length: STEPS_PER_TRACE }, (_, i) => ({
      step_id: `s${i + 1}`,
      skill: 'echo',
      params: { message: `step ${i + 1}` },
      depends_on: i > 0 ? [`s${i}`] : [],
      on_error: 'abort',
      retry_count: 1,
      output_key: `out${i + 1}`,
      description: `step ${i + 1}`,
    })),
    metadata: {},
  };
}

/** The rows of one sealed 5-step trace, hashed exactly as the runner hashes what it stores. */
function buildTrace(proof, signingKey, agentId, n) {
  const runId = randomUUID();
  const traceId = `trace_${runId}`;
  const plan = tracePlan(runId);
  const planHash = proof.computePlanHash(plan);
  const genesis = proof.computeGenesisHash({
    plan_hash: planHash,
    run_id: runId,
    tenant_id: TENANT_ID,
    trace_id: traceId,
  });
  const base = Date.UTC(2026, 1, 9, 12, 0, 0) + n * 50;
  const steps = [];
  const envelopes = [];
  let head = genesis;
  for (let i = 0; i < STEPS_PER_TRACE; i++) {
    const message = `step ${i + 1}`;
    const row = {
      trace_id: traceId,
      step_index: i,
      run_id: runId,
      tenant_id: TENANT_ID,
      attempt: 1,
      lease_epoch: 0,
      plan_step_id: `s${i + 1}`,
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
      duration_ms: 0.25 + i / 8,
      retry_count: 0,
      replay_behavior: 'execute',
      started_at: new Date(base + i * 5).toISOString(),
      completed_at: new Date(base + i * 5 + 1).toISOString(),
    };
    const envelope = proof.toStepEnvelope(row);
    const link = proof.extendChain(head, envelope);
    head = link.step_hash;
    steps.push({ ...row, ...link });
    envelopes.push({ envelope, ...link });
  }
  const created = new Date(base - 10).toISOString();
  const completed = new Date(base + STEPS_PER_TRACE * 5 + 5).toISOString();
  const runFacts = {
    id: runId,
    tenant_id: TENANT_ID,
    agent_id: agentId,
    origin_system_id: 'cus-cli',
    goal: 'audit benchmark',
    idempotency_key: null,
    status: 'succeeded',
    error_message: null,
    attempts: 1,
    completed_at: completed,
  };
  const traceFacts = {
    trace_id: traceId,
    run_id: runId,
    tenant_id: TENANT_ID,
    plan_hash: planHash,
    genesis_hash: genesis,
    status: 'completed',
    started_at: created,
    completed_at: completed,
  };
  const sealed = proof.sealRunTrace({
    signingKey,
    run: { ...runFacts, created_at: created },
    plan,
    trace: traceFacts,
    steps: envelopes,
  });
  if (!sealed.ok) throw new Error(`audit bench: ${sealed.failure.reason}`);
  const { header_envelope, header_hash, outcome_envelope, outcome_hash, ...seal } = sealed.seal;
  return {
    run: {
      ...runFacts,
      max_attempts: 1,
      plan_json: plan,
      plan_hash: planHash,
      created_at: created,
      started_at: created,
      duration_ms: 30,
      lease_epoch: 0,
    },
    trace: {
      trace_id: traceId,
      run_id: runId,
      tenant_id: TENANT_ID,
      agent_id: agentId,
      plan,
      plan_hash: planHash,
      schema_version: proof.TRACE_FORMAT,
      status: 'running',
      started_at: created,
      genesis_hash: genesis,
      metadata: {},
    },
    seal: {
      trace_id: traceId,
      completed_at: completed,
      sealed_at: completed,
      ...seal,
      header_envelope,
      header_hash,
      outcome_envelope,
      outcome_hash,
    },
    steps,
    record: {
      run: { ...runFacts, created_at: created },
      plan,
      trace: { ...traceFacts, ...seal },
      header: { envelope: header_envelope, leaf_hash: header_hash },
      steps: envelopes,
      outcome: { envelope: outcome_envelope, leaf_hash: outcome_hash },
    },
  };
}

/** Writes `count` sealed traces with batched statements; returns their in-memory records. */
async function writeTraces(url, proof, signingKey, agentId, count) {
  const pg = loadPg();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const records = [];
  try {
    for (let start = 0; start < count; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) =>
        buildTrace(proof, signingKey, agentId, start + k),
      );
      await client.query('BEGIN');
      await client.query('INSERT INTO runs SELECT * FROM jsonb_populate_recordset(NULL::runs, $1::jsonb)', [
        JSON.stringify(batch.map((t) => t.run)),
      ]);
      await client.query('INSERT INTO aos_traces SELECT * FROM jsonb_populate_recordset(NULL::aos_traces, $1::jsonb)', [
        JSON.stringify(batch.map((t) => t.trace)),
      ]);
      // Row triggers see the rows inserted before them by the same statement, so the steps of
      // a trace go in one statement in step_index order.
      await client.query(
        'INSERT INTO aos_trace_steps SELECT * FROM jsonb_populate_recordset(NULL::aos_trace_steps, $1::jsonb)',
        [JSON.stringify(batch.flatMap((t) => t.steps))],
      );
      await client.query(
        `UPDATE aos_traces t SET status = 'completed', completed_at = v.completed_at,
           metadata = '{"run_status":"succeeded"}'::jsonb, root_hash = v.root_hash, merkle_root = v.merkle_root,
           chain_length = v.chain_length, checkpoint = v.checkpoint, sealed_at = v.sealed_at,
           header_envelope = v.header_envelope, header_hash = v.header_hash,
           outcome_envelope = v.outcome_envelope, outcome_hash = v.outcome_hash
         FROM jsonb_to_recordset($1::jsonb) AS v(trace_id text, completed_at timestamptz, root_hash text,
           merkle_root text, chain_length int, checkpoint text, sealed_at timestamptz,
           header_envelope jsonb, header_hash text, outcome_envelope jsonb, outcome_hash text)
         WHERE t.trace_id = v.trace_id`,
        [JSON.stringify(batch.map((t) => t.seal))],
      );
      await client.query('COMMIT');
      records.push(...batch.map((t) => t.record));
      if ((start + BATCH) % 2500 === 0) progress(`audit_throughput: ${start + BATCH}/${count} traces written`);
    }
  } finally {
    await client.end();
  }
  return records;
}

export async function measureAudit({ quick }) {
  const count = quick ? 500 : 10_000;
  const proof = await loadProof();
  const core = await loadCore();
  const database = await createThrowawayDatabase();
  try {
    const store = await core.openDatabase({ url: database.url, poolSize: 2 });
    let agentId;
    try {
      agentId = (await core.createAgent(store.forTenant(TENANT_ID), { name: 'bench-audit', tenantId: TENANT_ID })).id;
    } finally {
      await store.close();
    }
    const signingKey = proof.generateSigningKey('bench.aos.local');
    progress(`audit_throughput: writing ${count} sealed traces of ${STEPS_PER_TRACE} steps...`);
    const t0 = performance.now();
    const records = await writeTraces(database.url, proof, signingKey, agentId, count);
    const writeMs = performance.now() - t0;
    // The seals were queued for the tenant log by the database; sequence them as a server would.
    progress('audit_throughput: sequencing the tenant log...');
    const logStore = await core.openDatabase({ url: database.url });
    try {
      await core.drainTenantLog(logStore.forTenant(TENANT_ID), TENANT_ID, {
        signingKey,
        trustedKeys: [signingKey.verifierKey],
      });
    } finally {
      await logStore.close();
    }

    progress('audit_throughput: int-cli audit...');
    const home = ensureWorkDir(`audit-home-${process.pid}`);
    const env = {
      ...process.env,
      NO_COLOR: '1',
      AOS_HOME: home,
      AOS_SIGNING_KEY: proof.encodeSigningKey(signingKey),
      DATABASE_URL: database.url,
    };
    const cli = await runProcess(process.execPath, [INT_CLI_BIN, 'audit', '--json', '--progress-every', '500'], {
      env,
    });
    let report;
    try {
      report = JSON.parse(cli.stdout);
    } catch {
      throw new Error(`int-cli audit exited ${cli.code}: ${(cli.stdout || cli.stderr).slice(0, 500)}`);
    }
    if (cli.code !== 0 || report.verified !== count) {
      throw new Error(`int-cli audit: exit ${cli.code}, ${report.verified}/${count} verified`);
    }

    progress('audit_throughput: reference, verifyTraceRecord over the same traces in memory...');
    const trustedKeys = [proof.parseVerifierKey(signingKey.verifierKey)];
    const r0 = performance.now();
    for (const record of records) {
      const result = proof.verifyTraceRecord({ ...record, trustedKeys });
      if (result.verification_status !== 'VERIFIED') throw new Error(`reference: ${result.failure_reason}`);
    }
    const referenceMs = performance.now() - r0;

    const value = count / (cli.ms / 1000);
    const reference = count / (referenceMs / 1000);
    rmSync(home, { recursive: true, force: true });
    return {
      figures: [
        figure({
          name: 'audit_throughput',
          value,
          unit: 'traces/s',
          reference: {
            name: 'verifyTraceRecord over the same traces in memory (no DB, no process)',
            value: reference,
            unit: 'traces/s',
          },
          ratio: value / reference,
          notes:
            `${count} sealed traces of ${STEPS_PER_TRACE} steps; int-cli audit wall time ${(cli.ms / 1000).toFixed(2)} s ` +
            `(its own duration_ms ${report.duration_ms}, i.e. ${(count / (report.duration_ms / 1000)).toFixed(0)} traces/s without process start). ` +
            `Traces written by batched inserts in ${(writeMs / 1000).toFixed(1)} s. No goal in issue 7.`,
        }),
      ],
    };
  } finally {
    await database.drop();
  }
}
