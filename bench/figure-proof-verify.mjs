// Figure 1, `proof_verify_1m`: verify a large proof bundle from its JSON file with the product
// verifier (@aos/proof/node verifyProofBundleFile, what `aos-proof verify <file>` runs), against
// reference A (canonicalise + SHA-256 every step, over records parsed in another process) and
// reference B (an idiomatic Python recomputation of the chain, same file, as a subprocess). Also
// the product's peak RSS, the `aos-proof verify` command's wall time, the in-memory path
// (read by lines + verifyProofBundle) for comparison, and the bench-only worker prototype.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, figure, lastJsonLine, PROOF_CLI_BIN, progress, runProcess } from './bench-kit.mjs';
import { ensureBundle, MAX_STRING_LENGTH } from './proof-bundle-file.mjs';

const CHILD = join(BENCH_DIR, 'proof-verify-child.mjs');
const PRODUCT = join(BENCH_DIR, 'proof-verify-file.mjs');
const PROTOTYPE = join(BENCH_DIR, 'proof-verify-parallel.mjs');
const PYTHON_REFERENCE = join(BENCH_DIR, 'reference_chain.py');
// A million parsed steps need more than the default old-space limit.
const CHILD_NODE_FLAGS = ['--max-old-space-size=8192'];
const NAME = 'proof_verify_1m';
const REF_A = 'A: canonicalise + SHA-256 every step (parsed records)';

async function nodeChild(script, args) {
  const run = await runProcess(process.execPath, [...CHILD_NODE_FLAGS, script, ...args]);
  if (run.code !== 0) throw new Error(`${script} exited ${run.code}: ${run.stderr.slice(-800)}`);
  return { ...lastJsonLine(run.stdout), wallMs: run.ms };
}

async function pythonReference(file) {
  const run = await runProcess('python3', [PYTHON_REFERENCE, file]);
  if (run.code !== 0) throw new Error(`reference_chain.py exited ${run.code}: ${run.stderr.slice(-800)}`);
  const result = lastJsonLine(run.stdout);
  if (result.mismatches !== 0) throw new Error(`reference_chain.py found ${result.mismatches} mismatches`);
  return { ...result, wallMs: run.ms };
}

/** `aos-proof verify <file>` on this file, timed as a subprocess. */
async function productCli(file, verifierKey) {
  const run = await runProcess(process.execPath, [PROOF_CLI_BIN, 'verify', file, '--key', verifierKey, '--json']);
  const text = (run.stdout.trim() || run.stderr.trim()).replace(/\s+/g, ' ');
  return { code: run.code, ms: run.ms, message: text.slice(0, 160) };
}

async function prototype(bundle, workers) {
  const run = await nodeChild(PROTOTYPE, [bundle.file, bundle.verifierKey, '--workers', String(workers)]);
  if (run.verification_status !== 'VERIFIED') throw new Error(`prototype: ${run.failure_reason}`);
  return run;
}

export async function measureProofVerify({ quick }) {
  const steps = quick ? 50_000 : 1_000_000;
  const bundle = await ensureBundle(steps);
  const workers = availableParallelism();

  progress(`proof_verify: verifyProofBundleFile on ${steps} steps...`);
  const product = await nodeChild(PRODUCT, [bundle.file, bundle.verifierKey]);
  if (product.verification_status !== 'VERIFIED') throw new Error(`bundle did not verify: ${product.failure_reason}`);
  progress('proof_verify: in-memory verifyProofBundle, then reference A...');
  const run = await nodeChild(CHILD, [bundle.file, bundle.verifierKey]);
  if (run.status !== 'VERIFIED') throw new Error(`bundle did not verify in memory: ${run.failure}`);
  progress('proof_verify: reference B (Python)...');
  const python = await pythonReference(bundle.file);
  progress('proof_verify: prototype, one thread, hashing the envelopes as written...');
  const single = await prototype(bundle, 0);
  // Worker start-up swamps 50k steps, and --quick must stay under a minute: full run only.
  let parallel = null;
  if (!quick) {
    progress(`proof_verify: prototype, ${workers} worker threads...`);
    parallel = await prototype(bundle, workers);
  }
  progress('proof_verify: aos-proof verify on the same file...');
  const cli = await productCli(bundle.file, bundle.verifierKey);

  // A was measured just before and just after verifyProofBundle: their mean is the reference.
  const refA = (run.refA[0].ms + run.refA[1].ms) / 2;
  const refACpu = (run.refA[0].cpuMs + run.refA[1].cpuMs) / 2;
  const fileMb = bundle.bytes / 1e6;
  const ratioA = product.totalMs / refA;
  const ratioB = product.totalMs / python.wallMs;
  const fits = bundle.bytes <= MAX_STRING_LENGTH;
  const size = `${steps} steps, ${fileMb.toFixed(0)} MB file, envelope ${bundle.envelopeBytesAvg.toFixed(0)} B canonical.`;
  const figures = [
    figure({
      name: NAME,
      value: product.totalMs / 1000,
      unit: 's',
      reference: { name: REF_A, value: refA / 1000, unit: 's' },
      ratio: ratioA,
      goal: 'ratio <= 1.3 (vs A)',
      met: ratioA <= 1.3,
      notes:
        `${size} Product: verifyProofBundleFile (streams the file line by line, hashes each envelope's bytes as ` +
        `written, keeps only the leaf hashes), CPU ${product.totalCpuMs.toFixed(0)} ms. ` +
        `aos-proof verify <file>: exit ${cli.code} in ${(cli.ms / 1000).toFixed(1)} s wall (${cli.message}). ` +
        `A before/after: ${run.refA.map((a) => a.ms.toFixed(0)).join('/')} ms; CPU-time ratio ` +
        `${(product.totalCpuMs / refACpu).toFixed(2)}. A with JSON.stringify in place of canonicalize: ` +
        `${run.stringifyFloorMs.toFixed(0)} ms. In memory for comparison (read by lines + JSON.parse + ` +
        `verifyProofBundle): ${(run.totalMs / 1000).toFixed(1)} s, ${run.maxRssMb.toFixed(0)} MB` +
        `${fits ? '' : '; the file is larger than V8\u2019s longest string (512 MiB)'}.`,
      extra: { product, run, cli, bundleBytes: bundle.bytes },
    }),
    figure({
      name: `${NAME}_vs_python`,
      value: product.totalMs / 1000,
      unit: 's',
      reference: {
        name: 'B: Python json.load + sorted json.dumps + hashlib chain',
        value: python.wallMs / 1000,
        unit: 's',
      },
      ratio: ratioB,
      goal: 'ratio <= 0.67 (vs B)',
      met: ratioB <= 0.67,
      notes:
        `Python: load ${python.load_ms.toFixed(0)} ms + chain ${python.chain_ms.toFixed(0)} ms, timed as a subprocess ` +
        '(recomputes the chain only: no Merkle root, no signature).',
      extra: { python },
    }),
    figure({
      name: `${NAME}_peak_rss`,
      value: product.maxRssMb,
      unit: 'MB',
      reference: { name: 'bundle file size', value: fileMb, unit: 'MB' },
      ratio: product.maxRssMb / fileMb,
      notes:
        'maxRSS of the process running verifyProofBundleFile (process.resourceUsage()): one 8 MiB read block and ' +
        `the 32-byte leaf hashes. In memory: ${run.maxRssMb.toFixed(0)} MB. Prototype peaks: ${single.maxRssMb.toFixed(0)} MB (1 thread)` +
        `${parallel ? `, ${parallel.maxRssMb.toFixed(0)} MB (${workers} workers)` : ''}. No goal in issue 7.`,
    }),
  ];
  const prototypes = [['prototype_1thread', single, 'one thread']];
  if (parallel)
    prototypes.push([`prototype_${workers}workers`, parallel, `${workers} worker threads over byte ranges`]);
  for (const [label, result, how] of prototypes) {
    figures.push(
      figure({
        name: `${NAME}_${label}`,
        value: result.totalMs / 1000,
        unit: 's',
        reference: { name: REF_A, value: refA / 1000, unit: 's' },
        ratio: result.totalMs / refA,
        goal: 'ratio <= 1.3 (vs A)',
        met: result.totalMs / refA <= 1.3,
        notes:
          `AFTER (bench-only prototype of the proposed @aos/proof file verifier, bench/proof-verify-parallel.mjs): ` +
          `${how}; reads the file by line ranges, hashes each envelope's bytes as written ` +
          `(${result.rawHashed}/${steps} steps, the rest parse + canonicalise), same checks. ` +
          `vs B: ${(result.totalMs / python.wallMs).toFixed(2)}.`,
      }),
    );
  }
  return { figures };
}
