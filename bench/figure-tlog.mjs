// Figures of the tenant transparency log, on the built @aos/proof:
// - `tlog_inclusion_1m`, `tlog_consistency_1m` (+ `_proof_size`): readInclusionProof /
//   readConsistencyProof over a memory node reader of 1,000,000 leaves, then verifyInclusion /
//   verifyConsistency, per proof; and the size of each proof as a receipt holds it (a JSON array
//   of hex hashes).
// - `witness_add_checkpoint_p95`: a real witness (startWitnessServer) on loopback, fed ~300
//   successive checkpoints of one growing log, each with its consistency proof, next to the
//   durable file write the witness's state needs (write + fsync + rename + fsync of the
//   directory), interleaved.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure, loadProof, loadProofNode, progress } from './bench-kit.mjs';

const MAX_PROOF_BYTES = 1024;
const MAX_PROOF_MS = 5;
const MAX_WITNESS_MS = 50;
const WARMUP = 100;

/** mulberry32: the same "random" indexes on every run, so runs compare like for like. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function summary(values) {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: Math.max(...values),
    mean,
  };
}

// As a receipt holds a proof: a JSON array of base64 hashes (packages/proof/src/tenant-log.ts).
const receiptBytes = (proof) =>
  Buffer.byteLength(JSON.stringify(proof.map((h) => Buffer.from(h, 'hex').toString('base64'))), 'utf8');
const ms = (value) => value.toFixed(3);

/**
 * Times `fn` once per sample after a warm-up; `fn` returns the proof it read. `subset(keep)` gives
 * the same statistics over the samples `keep` accepts, from the same timed pass.
 */
async function timeSamples(samples, fn) {
  for (let i = 0; i < Math.min(WARMUP, samples.length); i++) await fn(samples[i]);
  const times = [];
  const sizes = [];
  const lengths = [];
  for (const sample of samples) {
    const t0 = performance.now();
    const proof = await fn(sample);
    times.push(performance.now() - t0);
    sizes.push(receiptBytes(proof));
    lengths.push(proof.length);
  }
  const subset = (keep) => {
    const pick = (values) => values.filter((_, i) => keep(samples[i]));
    return { times: summary(pick(times)), bytes: summary(pick(sizes)), hashes: summary(pick(lengths)) };
  };
  return { ...subset(() => true), subset };
}

function proofFigures(name, leaves, result, what, extra) {
  const { times, bytes, hashes } = result;
  const maxHashes = hashes.max;
  const rawBytes = maxHashes * 32;
  const base64Bytes = maxHashes * 47 + 1;
  const timeMet = times.p95 <= MAX_PROOF_MS;
  const sizeMet = bytes.max <= MAX_PROOF_BYTES;
  const memoryNote =
    'Nodes come from createMemoryTreeReader (all perfect subtrees in memory), which stands in for the node store: ' +
    'in the product they are read from Postgres rows, and that DB read path is measured separately.';
  return [
    figure({
      name,
      value: times.p95,
      unit: 'ms',
      goal: `p95 <= ${MAX_PROOF_MS} ms`,
      met: timeMet,
      notes:
        `${leaves} leaves; ${times.count} proofs (after ${WARMUP} warm-up), each ${what}. ` +
        `p50 ${ms(times.p50)}, p99 ${ms(times.p99)}, max ${ms(times.max)} ms. ${memoryNote}`,
      extra: { times, ...extra },
    }),
    figure({
      name: `${name}_proof_size`,
      value: bytes.max,
      unit: 'B',
      goal: `max <= ${MAX_PROOF_BYTES} B`,
      met: sizeMet,
      notes:
        `Proof as a receipt holds it: JSON array of base64 hashes. Max ${bytes.max} B ` +
        `(${maxHashes} hashes), p95 ${bytes.p95} B, p50 ${bytes.p50} B. The same ${maxHashes} hashes take ` +
        `${rawBytes} B raw (${base64Bytes} B base64 JSON).`,
      extra: { bytes, hashes },
    }),
  ];
}

async function measureProofs(proof, quick) {
  const { createMemoryTreeReader, merkleTreeHash, readConsistencyProof, readInclusionProof, readTreeHash, sha256Hex } =
    proof;
  const { verifyConsistency, verifyInclusion } = proof;
  const leafCount = quick ? 100_000 : 1_000_000;
  const samples = quick ? 500 : 2000;
  const random = seededRandom(0x7106);
  const below = (n) => Math.floor(random() * n);

  progress(`tlog: ${leafCount} leaf hashes and the memory node reader...`);
  const leaves = Array.from({ length: leafCount }, (_, i) => sha256Hex(`leaf ${i}`));
  let t0 = performance.now();
  const reader = createMemoryTreeReader(leaves);
  const readerBuildMs = performance.now() - t0;
  const rootHash = await readTreeHash(reader, leafCount);
  // The reader's root must be the RFC 9162 root of the same leaves, or every check is circular.
  t0 = performance.now();
  if (merkleTreeHash(leaves) !== rootHash) throw new Error('memory reader root differs from merkleTreeHash');
  const merkleTreeHashMs = performance.now() - t0;

  progress(`tlog: ${samples} inclusion proofs...`);
  const indexes = Array.from({ length: samples }, () => below(leafCount));
  indexes.splice(0, 2, 0, leafCount - 1);
  const inclusion = await timeSamples(indexes, async (index) => {
    const path = await readInclusionProof(reader, index, leafCount);
    if (!verifyInclusion({ leafHash: leaves[index], index, treeSize: leafCount, proof: path, rootHash })) {
      throw new Error(`inclusion proof of leaf ${index} does not verify`);
    }
    return path;
  });

  // Roots of old trees are what the verifier already holds (a saved checkpoint): read outside
  // the timed part. Half the pairs go to the full size (a client catching up to the latest
  // checkpoint), half are random pairs old < new.
  progress(`tlog: ${samples} consistency proofs...`);
  const pairs = [];
  const rootOf = new Map([[leafCount, rootHash]]);
  for (let i = 0; i < samples; i++) {
    let newSize = leafCount;
    if (i % 2 === 1) newSize = 2 + below(leafCount - 1);
    const oldSize = 1 + below(newSize - 1);
    pairs.push([oldSize, newSize]);
  }
  for (const [oldSize, newSize] of pairs) {
    for (const size of [oldSize, newSize]) {
      if (!rootOf.has(size)) rootOf.set(size, await readTreeHash(reader, size));
    }
  }
  const [checkedOld] = pairs[0];
  if (merkleTreeHash(leaves.slice(0, checkedOld)) !== rootOf.get(checkedOld)) {
    throw new Error(`memory reader root of size ${checkedOld} differs from merkleTreeHash`);
  }
  const timeOne = async ([oldSize, newSize]) => {
    const path = await readConsistencyProof(reader, oldSize, newSize);
    const check = { oldSize, newSize, oldRoot: rootOf.get(oldSize), newRoot: rootOf.get(newSize), proof: path };
    if (!verifyConsistency(check)) throw new Error(`consistency proof ${oldSize} -> ${newSize} does not verify`);
    return path;
  };
  const consistency = await timeSamples(pairs, timeOne);
  const toFull = consistency.subset(([, n]) => n === leafCount);
  const randomPairs = consistency.subset(([, n]) => n !== leafCount);

  const setup = { reader_build_ms: readerBuildMs, merkle_tree_hash_ms: merkleTreeHashMs };
  return [
    ...proofFigures(
      'tlog_inclusion_1m',
      leafCount,
      inclusion,
      'readInclusionProof + verifyInclusion at a random index',
      setup,
    ),
    ...proofFigures(
      'tlog_consistency_1m',
      leafCount,
      consistency,
      `readConsistencyProof + verifyConsistency (half old < ${leafCount} -> ${leafCount}, half random old < new; ` +
        `p95 ${ms(toFull.times.p95)} / ${ms(randomPairs.times.p95)} ms, max size ${toFull.bytes.max} / ` +
        `${randomPairs.bytes.max} B)`,
      { ...setup, to_full_size: toFull, random_pairs: randomPairs },
    ),
  ];
}

async function measureWitness(proof, proofNode, quick) {
  const { generateSigningKey, readConsistencyProof, readTreeHash, sha256Hex, signCheckpoint } = proof;
  const { createMemoryTreeReader, verifyCosignature } = proof;
  const submissions = quick ? 60 : 300;
  const random = seededRandom(0x3115);
  const sizes = [1 + Math.floor(random() * 50)];
  for (let i = 0; i < submissions; i++) sizes.push(sizes[sizes.length - 1] + 1 + Math.floor(random() * 50));
  const leaves = Array.from({ length: sizes[sizes.length - 1] }, (_, i) => sha256Hex(`entry ${i}`));
  const reader = createMemoryTreeReader(leaves);

  const logKey = generateSigningKey('aos.bench');
  const origin = 'aos.bench/tenants/bench';
  const b64 = (hex) => Buffer.from(hex, 'hex').toString('base64');
  // Bodies are built before the clock starts: signing and proving are the log's work, not the witness's.
  const bodies = [];
  for (const [i, size] of sizes.entries()) {
    const checkpoint = signCheckpoint({ origin, treeSize: size, rootHash: await readTreeHash(reader, size) }, logKey);
    const oldSize = i === 0 ? 0 : sizes[i - 1];
    const path = i === 0 ? [] : await readConsistencyProof(reader, oldSize, size);
    bodies.push({ checkpoint, body: `old ${oldSize}\n${path.map((h) => `${b64(h)}\n`).join('')}\n${checkpoint}` });
  }

  const root = await mkdtemp(join(tmpdir(), 'aos-bench-witness-'));
  const stateDir = join(root, 'state');
  const referenceDir = await mkdtemp(join(root, 'reference-'));
  const witness = await proofNode.startWitnessServer({
    key: generateSigningKey('witness.bench/w1'),
    stateDir,
    logKeys: [logKey.verifierKey],
  });
  progress(`tlog: ${submissions} add-checkpoint requests to ${witness.url}...`);
  const latencies = [];
  const references = [];
  try {
    for (const [i, { checkpoint, body }] of bodies.entries()) {
      const t0 = performance.now();
      const response = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body });
      const reply = await response.text();
      const elapsed = performance.now() - t0;
      if (response.status !== 200) throw new Error(`add-checkpoint ${i} answered ${response.status}: ${reply.trim()}`);
      if (!verifyCosignature(checkpoint + reply, witness.verifierKey).valid) {
        throw new Error(`add-checkpoint ${i}: the cosignature does not verify`);
      }
      // The first request (from size 0, a new connection) is the warm-up.
      if (i === 0) continue;
      latencies.push(elapsed);
      const r0 = performance.now();
      // What the witness does to its state file per checkpoint, on the same disk: the reference.
      await proofNode.writeFileDurably(join(referenceDir, 'reference.checkpoint'), checkpoint + reply);
      references.push(performance.now() - r0);
    }
    const files = await readdir(stateDir);
    if (files.length !== 1) throw new Error(`witness state holds ${files.length} files, expected 1`);
  } finally {
    await witness.close();
    await rm(root, { recursive: true, force: true });
  }

  const latency = summary(latencies);
  const reference = summary(references);
  const growth = sizes[sizes.length - 1];
  return [
    figure({
      name: 'witness_add_checkpoint_p95',
      value: latency.p95,
      unit: 'ms',
      reference: { name: 'durable write of the state file alone (p95)', value: reference.p95, unit: 'ms' },
      ratio: latency.p95 / reference.p95,
      goal: `p95 <= ${MAX_WITNESS_MS} ms`,
      met: latency.p95 <= MAX_WITNESS_MS,
      notes:
        `${latency.count} successive POST /add-checkpoint (c2sp.org/tlog-witness) over HTTP on loopback (fetch, ` +
        `keep-alive) to startWitnessServer, one log growing 1-50 leaves per checkpoint to ${growth} leaves, each ` +
        `with its consistency proof; the first submission (from size 0) is a warm-up. Latency includes the ` +
        `witness's fsync of its state file (temp file fsync + rename + directory fsync, in ${tmpdir()}). ` +
        `p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)} ms. Reference: the same ` +
        `durable write alone, on the same disk, after each request: p50 ${ms(reference.p50)} ms.`,
      extra: { latency, reference, final_size: growth },
    }),
  ];
}

export async function measureTlog({ quick }) {
  const proof = await loadProof();
  const proofNode = await loadProofNode();
  const figures = await measureProofs(proof, quick);
  figures.push(...(await measureWitness(proof, proofNode, quick)));
  return { figures };
}
