// Child process of `proof_verify_1m`: verifies one bundle file — read + parse +
// verifyProofBundle — and measures reference A (canonicalise + SHA-256 every step) over the
// records it parsed, once between parsing and verifying and once after, so the reference
// brackets the measurement on a machine whose load changes. Records the RSS high-water mark
// right after verification. Prints one JSON line on stdout.
//
//   node bench/proof-verify-child.mjs <bundle.json> <verifier key> [--reader lines|whole] [--no-ref-a]
import { hash } from 'node:crypto';
import { loadProof } from './bench-kit.mjs';
import { readBundleByLines, readBundleWhole } from './proof-bundle-file.mjs';

const [file, verifierKey, ...rest] = process.argv.slice(2);
const reader = rest.includes('--reader') ? rest[rest.indexOf('--reader') + 1] : 'lines';
const withRefA = !rest.includes('--no-ref-a');

const proof = await loadProof();

const cpuMs = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

let sink = 0;
/** Reference A over `steps`: { ms, cpuMs }. */
function referenceA(steps) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps.length; i++) {
    sink += proof.sha256Hex(`\u0000${proof.canonicalize(steps[i].envelope)}`).length;
  }
  return { ms: performance.now() - t0, cpuMs: cpuMs(c0) };
}

const c0 = process.cpuUsage();
const { bundle, readMs, parseMs } = reader === 'whole' ? readBundleWhole(file) : readBundleByLines(file);
const readCpuMs = cpuMs(c0);
const before = withRefA ? referenceA(bundle.steps) : null;
const c1 = process.cpuUsage();
const t1 = performance.now();
const result = proof.verifyProofBundle(bundle, { trustedKeys: [verifierKey] });
const verifyMs = performance.now() - t1;
const verifyCpuMs = cpuMs(c1);
const maxRssKb = process.resourceUsage().maxRSS;
const after = withRefA ? referenceA(bundle.steps) : null;

// For the notes: the same floor with JSON.stringify in place of the RFC 8785 canonicaliser
// (equal output for these envelopes, whose members are already in canonical order).
let stringifyFloorMs = null;
if (withRefA) {
  const s0 = performance.now();
  for (const step of bundle.steps) sink += hash('sha256', `\u0000${JSON.stringify(step.envelope)}`, 'hex').length;
  stringifyFloorMs = performance.now() - s0;
}

process.stdout.write(
  `${JSON.stringify({
    steps: bundle.steps.length,
    status: result.verification_status,
    failure: result.failure_reason,
    totalMs: readMs + parseMs + verifyMs,
    totalCpuMs: readCpuMs + verifyCpuMs,
    readMs,
    parseMs,
    verifyMs,
    maxRssMb: maxRssKb / 1024,
    refA: withRefA ? [before, after] : [],
    stringifyFloorMs,
    sink: sink > 0,
  })}\n`,
);
