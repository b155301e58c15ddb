// PROTOTYPE (bench only) of a proposed `@aos/proof` API: verify a one-step-per-line bundle file
// with worker threads. Each worker reads its own byte range of the file, parses its steps, and
// checks their shape, ids, consecutive step_index, leaf_hash, step_hash and the prev_hash links
// inside the range; it hands back the raw leaf hashes and its first prev_hash / last step_hash.
// With `raw` it avoids re-serialising: when a line has the exporter's layout
// `{"envelope":<text>,"leaf_hash":"…","prev_hash":"…","step_hash":"…"}` it hashes the envelope's
// bytes as they are in the file. That is sound: a match means those bytes are the canonical text
// the signer hashed (SHA-256 is collision resistant), and the parsed envelope, whose shape is
// still checked, is what they mean. Anything else (another layout, a mismatch) falls back to
// parse + canonicalise.
// The main thread checks the plan and genesis hashes, the links between ranges, chain length,
// root hash, the Merkle root over all leaves and the signed checkpoint. Checking every link
// against the stored hashes in parallel is equivalent to recomputing the chain in order:
// step 0 chains to the genesis hash and each stored prev_hash equals the previous step_hash.
//
//   node bench/proof-verify-parallel.mjs <bundle.json> <verifier key> [--workers N]
import { hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadProof } from './bench-kit.mjs';

const BLOCK_BYTES = 8 * 1024 * 1024;
const NEWLINE = 10;

/** Byte offset just after the next newline at or after `position`. */
function nextLineStart(fd, position, limit) {
  const window = Buffer.allocUnsafe(64 * 1024);
  let at = position;
  while (at < limit) {
    const read = readSync(fd, window, 0, Math.min(window.length, limit - at), at);
    const nl = window.subarray(0, read).indexOf(NEWLINE);
    if (nl !== -1) return at + nl + 1;
    at += read;
  }
  return limit;
}

/** Calls `onLine(buffer, start, end)` for every line of bytes [start, end) of the file. */
function forEachLine(fd, start, end, onLine) {
  let carry = Buffer.alloc(0);
  let position = start;
  while (position < end) {
    const block = Buffer.allocUnsafe(Math.min(BLOCK_BYTES, end - position));
    const read = readSync(fd, block, 0, block.length, position);
    position += read;
    const data = carry.length === 0 ? block.subarray(0, read) : Buffer.concat([carry, block.subarray(0, read)]);
    let lineStart = 0;
    for (;;) {
      const nl = data.indexOf(NEWLINE, lineStart);
      if (nl === -1) break;
      if (onLine(data, lineStart, nl) === false) return;
      lineStart = nl + 1;
    }
    carry = Buffer.from(data.subarray(lineStart));
  }
  if (carry.length > 0) onLine(carry, 0, carry.length);
}

// `,"leaf_hash":"<64>","prev_hash":"<64>","step_hash":"<64>"}`
const HASH_TAIL_BYTES = 14 + 64 + 15 + 64 + 15 + 64 + 2;
const ENVELOPE_PREFIX = Buffer.from('{"envelope":');
const TAIL_PREFIX = Buffer.from(',"leaf_hash":"');

/** Verifies the steps in bytes [start, end) of the file; see the file comment. */
async function verifyRange({ file, start, end, trace, raw }) {
  const proof = await loadProof();
  const fd = openSync(file, 'r');
  const leaves = [];
  let count = 0;
  let firstIndex = null;
  let firstPrev = null;
  let lastStep = null;
  let failure = null;
  const link = Buffer.allocUnsafe(64);
  let scratch = Buffer.allocUnsafe(64 * 1024);
  let rawHashed = 0;
  forEachLine(fd, start, end, (data, s, e) => {
    const lineEnd = data[e - 1] === 0x2c ? e - 1 : e;
    const step = JSON.parse(data.toString('utf8', s, lineEnd));
    let rawLeaf = null;
    const envelopeEnd = lineEnd - HASH_TAIL_BYTES;
    if (
      raw &&
      envelopeEnd > s + ENVELOPE_PREFIX.length &&
      data.compare(ENVELOPE_PREFIX, 0, ENVELOPE_PREFIX.length, s, s + ENVELOPE_PREFIX.length) === 0 &&
      data.compare(TAIL_PREFIX, 0, TAIL_PREFIX.length, envelopeEnd, envelopeEnd + TAIL_PREFIX.length) === 0
    ) {
      const length = envelopeEnd - (s + ENVELOPE_PREFIX.length);
      if (scratch.length < length + 1) scratch = Buffer.allocUnsafe(2 * (length + 1));
      scratch[0] = 0;
      data.copy(scratch, 1, s + ENVELOPE_PREFIX.length, envelopeEnd);
      rawLeaf = hash('sha256', scratch.subarray(0, length + 1), 'hex');
    }
    const { envelope, leaf_hash: leafHash, prev_hash: prevHash, step_hash: stepHash } = step;
    const position = firstIndex === null ? null : firstIndex + count;
    const problem = proof.findStepEnvelopeProblem(envelope);
    const fail = (reason) => {
      failure = { index: envelope?.step_index ?? position, reason };
      return false;
    };
    if (problem !== null) return fail(problem);
    if (
      envelope.trace_id !== trace.trace_id ||
      envelope.run_id !== trace.run_id ||
      envelope.tenant_id !== trace.tenant_id
    ) {
      return fail('envelope ids do not match the trace');
    }
    if (firstIndex === null) firstIndex = envelope.step_index;
    else if (envelope.step_index !== position)
      return fail(`step_index is ${envelope.step_index}, expected ${position}`);
    let leaf = rawLeaf;
    if (leaf === leafHash) rawHashed += 1;
    else leaf = proof.sha256Hex(`\u0000${proof.canonicalize(envelope)}`);
    if (leaf !== leafHash) return fail('leaf_hash does not match its contents');
    if (lastStep !== null && prevHash !== lastStep) return fail('prev_hash does not match the previous step_hash');
    if (typeof prevHash !== 'string' || !/^[0-9a-f]{64}$/.test(prevHash)) return fail('prev_hash is not a hash');
    link.write(prevHash, 0, 32, 'hex');
    link.write(leaf, 32, 32, 'hex');
    const computed = proof.sha256Hex(link);
    if (computed !== stepHash) return fail('step_hash does not match prev_hash and leaf_hash');
    if (firstPrev === null) firstPrev = prevHash;
    lastStep = stepHash;
    leaves.push(leaf);
    count += 1;
    return true;
  });
  closeSync(fd);
  const leafBuffer = Buffer.from(leaves.join(''), 'hex');
  const transferable = leafBuffer.buffer.slice(leafBuffer.byteOffset, leafBuffer.byteOffset + leafBuffer.length);
  return { count, firstIndex, firstPrev, lastStep, failure, rawHashed, leaves: transferable };
}

function runWorker(job) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: job });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/**
 * Verifies a one-step-per-line bundle file with `workers` threads (0: in this thread). Resolves
 * with { verification_status, failure_reason, steps, rawHashed }.
 */
export async function verifyBundleFileParallel(
  file,
  verifierKey,
  { workers = availableParallelism(), raw = true } = {},
) {
  const proof = await loadProof();
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  // Header: the first line, `{…,"steps":[`; tail: the last line, `]}`.
  const headerEnd = nextLineStart(fd, 0, size);
  const header = Buffer.allocUnsafe(headerEnd);
  readSync(fd, header, 0, headerEnd, 0);
  const tailLength = 3;
  const outline = JSON.parse(`${header.toString('utf8', 0, headerEnd - 1)}]}`);
  const bodyEnd = size - tailLength;
  const splits = [headerEnd];
  const parts = Math.max(1, workers);
  for (let k = 1; k < parts; k++) {
    splits.push(nextLineStart(fd, headerEnd + Math.floor(((bodyEnd - headerEnd) * k) / parts), bodyEnd));
  }
  splits.push(bodyEnd);
  closeSync(fd);

  const { trace, plan } = outline;
  let rawHashed = 0;
  const finish = (reason, steps = null) => ({
    verification_status: reason === null ? 'VERIFIED' : 'FAILED',
    failure_reason: reason,
    steps,
    rawHashed,
  });
  if (proof.computePlanHash(plan) !== trace.plan_hash) return finish('plan_hash does not match the plan');
  const genesis = proof.computeGenesisHash(trace);
  if (genesis !== trace.genesis_hash) return finish('genesis_hash does not match');

  const ids = { trace_id: trace.trace_id, run_id: trace.run_id, tenant_id: trace.tenant_id };
  const jobs = splits
    .slice(0, -1)
    .map((start, k) => ({ file, start, end: splits[k + 1], trace: ids, raw }))
    .filter((job) => job.end > job.start);
  const results = workers === 0 ? [await verifyRange(jobs[0])] : await Promise.all(jobs.map(runWorker));
  let expectedIndex = 0;
  let head = genesis;
  for (const part of results) {
    rawHashed += part.rawHashed;
    if (part.failure) return finish(`step ${part.failure.index}: ${part.failure.reason}`);
    if (part.count === 0) continue;
    if (part.firstIndex !== expectedIndex) return finish(`step ${expectedIndex}: step_index is ${part.firstIndex}`);
    if (part.firstPrev !== head) return finish(`step ${expectedIndex}: prev_hash does not match`);
    expectedIndex += part.count;
    head = part.lastStep;
  }
  const n = expectedIndex;
  if (trace.chain_length !== n) return finish(`chain_length is ${trace.chain_length} but the trace has ${n} steps`, n);
  if (trace.root_hash !== head) return finish('root_hash does not match the step_hash of the last step', n);
  const leaves = Buffer.concat(results.map((part) => Buffer.from(part.leaves)));
  const leafHex = [];
  for (let i = 0; i < n; i++) leafHex.push(leaves.toString('hex', i * 32, i * 32 + 32));
  // Trace v3: the tree holds the header leaf, the steps and the outcome leaf. The prototype takes
  // the two run leaves as shipped (the product re-derives them from the run and trace).
  const merkleRoot = proof.merkleTreeHash([outline.header.leaf_hash, ...leafHex, outline.outcome.leaf_hash]);
  if (trace.merkle_root !== merkleRoot) return finish('merkle_root does not match the leaf hashes', n);
  const key = proof.parseVerifierKey(verifierKey);
  const note = proof.verifyNote(trace.checkpoint, [key]);
  if (!note.valid) return finish(`checkpoint: ${note.reason ?? 'not valid'}`, n);
  const checkpoint = proof.parseCheckpointBody(note.body);
  if (checkpoint.origin !== proof.checkpointOrigin(key.name, trace.tenant_id, trace.run_id))
    return finish('checkpoint: origin', n);
  if (checkpoint.treeSize !== n + 2 || checkpoint.rootHash !== merkleRoot) return finish('checkpoint: size or root', n);
  return finish(null, n);
}

if (!isMainThread && workerData?.file) {
  const result = await verifyRange(workerData);
  parentPort.postMessage(result, [result.leaves]);
} else if (isMainThread && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // node bench/proof-verify-parallel.mjs <bundle.json> <verifier key> [--workers N] [--no-raw]
  const [file, key, ...rest] = process.argv.slice(2);
  const at = rest.indexOf('--workers');
  await loadProof(); // loaded before the clock starts, as in proof-verify-child.mjs
  const t0 = performance.now();
  const result = await verifyBundleFileParallel(file, key, {
    workers: at === -1 ? availableParallelism() : Number(rest[at + 1]),
    raw: !rest.includes('--no-raw'),
  });
  const totalMs = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ...result, totalMs, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}
