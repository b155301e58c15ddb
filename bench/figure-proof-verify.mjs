// Figure 1, `proof_verify_1m`: verify a large proof bundle from its JSON file, against
// reference A (canonicalise + SHA-256 every step, same records, same process) and reference B
// (an idiomatic Python recomputation of the chain, same file, as a subprocess). Also the
// verifying process's peak RSS, and the AFTER figures of the bench-only prototype of the
// proposed file verifier (bench/proof-verify-parallel.mjs).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, figure, lastJsonLine, PROOF_CLI_BIN, progress, runProcess } from './bench-kit.mjs';
import { ensureBundle, MAX_STRING_LENGTH } from './proof-bundle-file.mjs';

const CHILD = join(BENCH_DIR, 'proof-verify-child.mjs');
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

/** What the product CLI does with this file (it reads the whole file as one string). */
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

  progress(`proof_verify: verifyProofBundle on ${steps} steps from the file, then reference A...`);
  const run = await nodeChild(CHILD, [bundle.file, bundle.verifierKey]);
  if (run.status !== 'VERIFIED') throw new Error(`bundle did not verify: ${run.failure}`);
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
  const ratioA = run.totalMs / refA;
  const ratioB = run.totalMs / python.wallMs;
  const fits = bundle.bytes <= MAX_STRING_LENGTH;
  const size = `${steps} steps, ${fileMb.toFixed(0)} MB file, envelope ${bundle.envelopeBytesAvg.toFixed(0)} B canonical.`;
  const figures = [
    figure({
      name: NAME,
      value: run.totalMs / 1000,
      unit: 's',
      reference: { name: REF_A, value: refA / 1000, unit: 's' },
      ratio: ratioA,
      goal: 'ratio <= 1.3 (vs A)',
      met: ratioA <= 1.3,
      notes:
        `${size} Read ${run.readMs.toFixed(0)} ms + JSON.parse ${run.parseMs.toFixed(0)} ms + verifyProofBundle ` +
        `${run.verifyMs.toFixed(0)} ms. A before/after: ${run.refA.map((a) => a.ms.toFixed(0)).join('/')} ms. CPU-time ratio ${(run.totalCpuMs / refACpu).toFixed(2)}. A with JSON.stringify in ` +
        `place of canonicalize: ${run.stringifyFloorMs.toFixed(0)} ms. The file is read one step per line ` +
        `(bench/proof-bundle-file.mjs)${fits ? '' : '; it is larger than V8\u2019s longest string (512 MiB), which `aos-proof verify` cannot read'}. ` +
        `aos-proof verify on it: exit ${cli.code} in ${(cli.ms / 1000).toFixed(1)} s (${cli.message}).`,
      extra: { run, cli, bundleBytes: bundle.bytes },
    }),
    figure({
      name: `${NAME}_vs_python`,
      value: run.totalMs / 1000,
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
      value: run.maxRssMb,
      unit: 'MB',
      reference: { name: 'bundle file size', value: fileMb, unit: 'MB' },
      ratio: run.maxRssMb / fileMb,
      notes:
        'maxRSS of the verifying child right after verification (process.resourceUsage()); it holds the file and ' +
        `every parsed step. Prototype peaks: ${single.maxRssMb.toFixed(0)} MB (1 thread)` +
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
