// The proof bundle that `proof_verify_1m` verifies: generated once per (format version, size)
// under bench/.work/, then reused. It is a real aos.proof-bundle.v1 document — steps chained
// from the genesis hash, Merkle root, checkpoint signed with a generated Ed25519 key — written
// by @aos/proof/node's writeProofBundle (one step per line, each envelope as its canonical text), which
// is still plain JSON but can be read back line by line.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { hash } from 'node:crypto';
import { join } from 'node:path';
import { ensureWorkDir, loadProof, loadProofNode, progress } from './bench-kit.mjs';

/** Bump when the generated content changes: cached files of another version are not reused. */
export const BUNDLE_GENERATOR_VERSION = 'bundle-v3-receipt';

const TENANT_ID = 'bench-tenant';
const RUN_ID = '6f1c2b9e-4d1a-4c7e-9a53-0b8e2f4d7c11';
const AGENT_ID = 'a3d9e0f2-71b4-4f0c-8c2e-5e6b7d8f9a01';
const TRACE_ID = `trace_${RUN_ID}`;
const BASE_TIME = Date.UTC(2026, 1, 9, 18, 0, 0, 0);

const iso = (ms) => new Date(ms).toISOString();

/** The plan the generated trace claims to execute (two alternating skills). */
function benchPlan() {
  return {
    goal: 'benchmark: echo and transform many times',
    metadata: { source: 'bench' },
    plan_id: 'plan_bench_1',
    planner: 'rules',
    planner_version: '1',
    steps: [
      {
        depends_on: [],
        description: 'echo',
        on_error: 'abort',
        output_key: 'out1',
        params: { message: 'hello' },
        retry_count: 1,
        skill: 'echo',
        step_id: 's1',
      },
      {
        depends_on: ['s1'],
        description: 'pick the order id',
        on_error: 'abort',
        output_key: 'out2',
        params: { mapping: { id: 'order.id' }, payload: { order: { id: 1 } } },
        retry_count: 1,
        skill: 'json_transform',
        step_id: 's2',
      },
    ],
  };
}

/**
 * The envelope of step `i` as the runner stores it: realistic ids, timestamps, params and
 * outputs. Members are written in JCS order at every level, so `JSON.stringify` of it is its
 * canonical form (checked against @aos/proof for the first steps of every generation).
 */
function benchEnvelope(i) {
  const started = BASE_TIME + i * 3;
  const echo = i % 2 === 0;
  const message = `étape ${i} ✓ order-${(i * 31) % 9973}`;
  return {
    // Each attempt executes the two-step plan once (s1 then s2): plan order holds (trace v3).
    attempt: Math.floor(i / 2) + 1,
    completed_at: iso(started + 2),
    cost_cents: 0,
    duration_ms: ((i * 7919) % 100_000) / 1000 + 0.001,
    error: null,
    lease_epoch: 0,
    outcome_category: 'success',
    outcome_code: 'OK',
    outcome_data: echo ? { message } : { id: i },
    params: echo ? { message } : { mapping: { id: 'order.id' }, payload: { order: { id: i, total: 12.5 } } },
    plan_step_id: echo ? 's1' : 's2',
    replay_behavior: 'execute',
    retry_count: 0,
    run_id: RUN_ID,
    skill_id: echo ? 'echo@1.0.0' : 'json_transform@1.0.0',
    skill_name: echo ? 'echo' : 'json_transform',
    skill_version: '1.0.0',
    started_at: iso(started),
    status: 'success',
    step_index: i,
    tenant_id: TENANT_ID,
    trace_id: TRACE_ID,
  };
}

/** How many leading steps are also hashed through @aos/proof's own functions, as a cross-check. */
const CROSS_CHECKED_STEPS = 2000;

// The fast path above must produce exactly what the product computes.
function crossCheck(proof, prevHash, envelope, text, leafHash, stepHash) {
  const checked = proof.toStepEnvelope(envelope);
  const expected = proof.extendChain(prevHash, checked);
  if (proof.canonicalize(checked) !== text || expected.leaf_hash !== leafHash || expected.step_hash !== stepHash) {
    throw new Error(`bundle generator disagrees with @aos/proof at step ${envelope.step_index}`);
  }
}

function bundlePaths(steps) {
  const dir = ensureWorkDir('bundles');
  const base = join(dir, `${BUNDLE_GENERATOR_VERSION}-${steps}`);
  return { file: `${base}.json`, meta: `${base}.meta.json` };
}

/**
 * Returns the cached bundle of `steps` steps, generating it first when it is missing.
 * Resolves with the file, its trusted verifier key and sizes.
 */
export async function ensureBundle(steps) {
  const paths = bundlePaths(steps);
  if (existsSync(paths.file) && existsSync(paths.meta)) {
    const meta = JSON.parse(readFileSync(paths.meta, 'utf8'));
    if (meta.version === BUNDLE_GENERATOR_VERSION && meta.steps === steps && statSync(paths.file).size === meta.bytes) {
      progress(`proof bundle: reusing ${paths.file} (${(meta.bytes / 1e6).toFixed(0)} MB)`);
      return { ...meta, file: paths.file, generated: false, generateMs: 0 };
    }
  }
  return generateBundle(steps, paths);
}

/** Bundles of other generator versions are never read again: remove them (they are large). */
function removeStaleBundles() {
  const dir = ensureWorkDir('bundles');
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(`${BUNDLE_GENERATOR_VERSION}-`)) rmSync(join(dir, name), { force: true });
  }
}

async function generateBundle(steps, paths) {
  removeStaleBundles();
  const proof = await loadProof();
  const proofNode = await loadProofNode();
  progress(`proof bundle: generating ${steps} steps (cached afterwards)...`);
  const t0 = performance.now();
  const signingKey = proof.generateSigningKey('bench.aos.local');
  const plan = benchPlan();
  const planHash = proof.computePlanHash(plan);
  const genesis = proof.computeGenesisHash({
    plan_hash: planHash,
    run_id: RUN_ID,
    tenant_id: TENANT_ID,
    trace_id: TRACE_ID,
  });

  // Pass 1 hashes the chain: the header holds the trace's seal, which depends on every step,
  // and comes first in the file. Pass 2 streams the steps through the product's writer.
  const leafHashes = new Array(steps);
  const stepHashes = new Array(steps);
  const link = Buffer.allocUnsafe(64);
  let head = genesis;
  let envelopeBytes = 0;
  for (let i = 0; i < steps; i++) {
    const envelope = benchEnvelope(i);
    const text = JSON.stringify(envelope);
    envelopeBytes += Buffer.byteLength(text);
    const leafHash = hash('sha256', `\u0000${text}`, 'hex');
    link.write(head, 0, 32, 'hex');
    link.write(leafHash, 32, 32, 'hex');
    const stepHash = hash('sha256', link, 'hex');
    if (i < CROSS_CHECKED_STEPS) crossCheck(proof, head, envelope, text, leafHash, stepHash);
    leafHashes[i] = leafHash;
    stepHashes[i] = stepHash;
    head = stepHash;
    if ((i + 1) % 250_000 === 0) progress(`proof bundle: ${i + 1}/${steps} steps hashed`);
  }

  const completedAt = iso(BASE_TIME + steps * 3 + 10);
  const run = {
    id: RUN_ID,
    tenant_id: TENANT_ID,
    agent_id: AGENT_ID,
    origin_system_id: 'cus-cli',
    goal: plan.goal,
    idempotency_key: null,
    status: 'succeeded',
    error_message: null,
    attempts: Math.max(1, Math.ceil(steps / 2)),
    plan_hash: planHash,
    created_at: iso(BASE_TIME - 50),
    completed_at: completedAt,
  };
  const traceFacts = {
    trace_id: TRACE_ID,
    run_id: RUN_ID,
    tenant_id: TENANT_ID,
    plan_hash: planHash,
    genesis_hash: genesis,
    status: 'completed',
    started_at: iso(BASE_TIME - 40),
    completed_at: completedAt,
  };
  // The seal the sealer would write, computed from the public pieces (the sealer itself would
  // hold every step in memory): header leaf, the steps' leaves, outcome leaf, one checkpoint.
  const headerEnvelope = proof.toRunHeader(run, traceFacts);
  const outcomeEnvelope = proof.toRunOutcome(run, traceFacts, {
    chain_length: steps,
    root_hash: head,
    total_cost_cents: 0,
  });
  const headerHash = proof.computeEnvelopeHash(headerEnvelope);
  const outcomeHash = proof.computeEnvelopeHash(outcomeEnvelope);
  const merkleRoot = proof.merkleTreeHash([headerHash, ...leafHashes, outcomeHash]);
  const checkpoint = proof.signCheckpoint(
    { origin: proof.checkpointOrigin(signingKey.name, TENANT_ID, RUN_ID), treeSize: steps + 2, rootHash: merkleRoot },
    signingKey,
  );
  const seal = { root_hash: head, merkle_root: merkleRoot, chain_length: steps, checkpoint };
  const trace = { ...traceFacts, ...seal, sealed_at: completedAt };
  // The run as leaf 0 of a one-run tenant log: the receipt every verified bundle carries.
  const leaf = proof.TenantLogLeafSchema.parse(proof.tenantLogLeafFor({ run, trace }, 0));
  const leafHash = proof.tenantLogLeafHash(leaf);
  const receipt = {
    format: proof.LOG_RECEIPT_FORMAT,
    leaf,
    leaf_hash: leafHash,
    inclusion_proof: [],
    checkpoint: proof.signTenantCheckpoint(signingKey, TENANT_ID, 1, leafHash),
    consistency: null,
  };
  const header = {
    format: proof.PROOF_BUNDLE_FORMAT,
    run,
    plan,
    trace,
    header: { envelope: headerEnvelope, leaf_hash: headerHash },
    outcome: { envelope: outcomeEnvelope, leaf_hash: outcomeHash },
    verifier_key_name: signingKey.name,
    exported_at: completedAt,
    receipt,
  };
  function* records() {
    for (let i = 0; i < steps; i++) {
      const prevHash = i === 0 ? genesis : stepHashes[i - 1];
      yield { envelope: benchEnvelope(i), leaf_hash: leafHashes[i], prev_hash: prevHash, step_hash: stepHashes[i] };
    }
  }
  await proofNode.writeProofBundle(header, records(), paths.file);

  const bytes = statSync(paths.file).size;
  const meta = {
    version: BUNDLE_GENERATOR_VERSION,
    steps,
    bytes,
    envelopeBytesAvg: envelopeBytes / steps,
    verifierKey: signingKey.verifierKey,
    rootHash: seal.root_hash,
    merkleRoot: seal.merkle_root,
  };
  writeFileSync(paths.meta, JSON.stringify(meta, null, 2));
  const generateMs = performance.now() - t0;
  progress(`proof bundle: wrote ${(bytes / 1e6).toFixed(0)} MB in ${(generateMs / 1000).toFixed(1)} s`);
  return { ...meta, file: paths.file, generated: true, generateMs };
}

/** Longest string V8 can build; a bundle file larger than this cannot be read as one string. */
export const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;

/**
 * Reads a bundle written one step per line: the header line (which ends with `"steps":[`) and
 * each step line are parsed on their own, so files larger than V8's longest string (512 MiB)
 * can be read. Returns the bundle and the time spent reading bytes vs parsing.
 */
export function readBundleByLines(file) {
  const t0 = performance.now();
  const buffer = readFileSync(file);
  const t1 = performance.now();
  const firstNewline = buffer.indexOf(10);
  const headerText = buffer.toString('utf8', 0, firstNewline);
  if (!headerText.endsWith('"steps":[')) throw new Error(`${file}: not a one-step-per-line bundle`);
  const steps = [];
  let position = firstNewline + 1;
  for (;;) {
    const end = buffer.indexOf(10, position);
    if (end === -1) throw new Error(`${file}: truncated`);
    if (buffer[position] === 0x5d /* ] */) {
      const bundle = JSON.parse(headerText + buffer.toString('utf8', position, end));
      bundle.steps = steps;
      return { bundle, readMs: t1 - t0, parseMs: performance.now() - t1 };
    }
    const lineEnd = buffer[end - 1] === 0x2c /* , */ ? end - 1 : end;
    steps.push(JSON.parse(buffer.toString('utf8', position, lineEnd)));
    position = end + 1;
  }
}

/** Reads a bundle the way `aos-proof verify` does: the whole file as one string, one JSON.parse. */
export function readBundleWhole(file) {
  const t0 = performance.now();
  const text = readFileSync(file, 'utf8');
  const t1 = performance.now();
  const bundle = JSON.parse(text);
  return { bundle, readMs: t1 - t0, parseMs: performance.now() - t1 };
}
