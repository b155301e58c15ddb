// Child process of `proof_verify_1m`: times the PRODUCT file verifier, @aos/proof's
// verifyProofBundleFile (what `aos-proof verify <file>` runs), on one bundle file, from opening
// the file to the verdict. Prints one JSON line on stdout, with the process's RSS high-water mark.
//
//   node bench/proof-verify-file.mjs <bundle.json> <verifier key>
import { loadProofNode } from './bench-kit.mjs';

const [file, verifierKey] = process.argv.slice(2);
const proof = await loadProofNode(); // loaded before the clock starts
const c0 = process.cpuUsage();
const t0 = performance.now();
const result = await proof.verifyProofBundleFile(file, { trustedKeys: [verifierKey] });
const totalMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
process.stdout.write(
  `${JSON.stringify({
    ...result,
    totalMs,
    totalCpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
