#!/usr/bin/env node
// The README's newcomer path, end to end, with the BUILT customer CLI (run `pnpm quickstart`,
// which builds first): create an agent, run a goal on the embedded database (AOS_HOME as you
// have it, default ~/.aos), and prove the run. Every command is printed before it runs, so you
// can repeat it by hand. Exits non-zero unless the proof says `verification_status: VERIFIED`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../packages/cus-cli/dist/bin.js', import.meta.url));
// How the commands are shown: runnable as printed from the repository's root, where `pnpm
// quickstart` runs (in a clone no `cus-cli` is on PATH; installed, it is `npx @aos/cus-cli`).
const SHOWN_CUS_CLI = 'node packages/cus-cli/dist/bin.js';
const SHOWN_AOS_PROOF = 'node packages/proof/dist/bin.js';
const TENANT = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const GOAL = 'Run proof v3 validation run';

if (!existsSync(BIN)) {
  process.stderr.write(`quickstart: ${BIN} is missing; build first (pnpm build, or pnpm quickstart)\n`);
  process.exit(1);
}

const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** Runs `cus-cli <args>`, echoing the command and its output; returns stdout. */
function cusCli(args, { allowExit = [0] } = {}) {
  process.stdout.write(`\n$ ${SHOWN_CUS_CLI} ${args.map(quote).join(' ')}\n`);
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw result.error;
  process.stderr.write(result.stderr);
  process.stdout.write(result.stdout);
  if (!allowExit.includes(result.status ?? -1)) {
    process.stderr.write(`quickstart: cus-cli ${args[0]} exited with ${result.status ?? result.signal}\n`);
    process.exit(1);
  }
  return result.stdout;
}

const line = (text, name) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1];

const created = cusCli([
  'create-agent',
  '--name',
  'quickstart',
  '--tenant-id',
  TENANT,
  '--description',
  'Created by pnpm quickstart',
]);
const agentId = line(created, 'Created agent');
if (!agentId) {
  process.stderr.write('quickstart: create-agent printed no agent id\n');
  process.exit(1);
}

const ran = cusCli([
  'run',
  '--agent-id',
  agentId,
  '--goal',
  GOAL,
  '--tenant-id',
  TENANT,
  '--origin-system-id',
  'run-proof-v3',
  '--verbose',
]);
const runId = line(ran, 'Run ID');
if (!runId) {
  process.stderr.write('quickstart: run printed no run id\n');
  process.exit(1);
}

// Exit code 5 (not verified) is reported below with the proof's own failure_reason.
const proof = cusCli(['proof', runId, '--tenant-id', TENANT], { allowExit: [0, 5] });
const status = line(proof, 'verification_status');
if (status !== 'VERIFIED') {
  process.stderr.write(`\nquickstart: FAILED — verification_status is ${status ?? 'missing'}\n`);
  process.exit(1);
}
process.stdout.write(`\nquickstart: run ${runId} succeeded and its proof is VERIFIED.\n`);
// The key this machine signs with, as `trust list` shows it: what the offline check needs.
const trusted = spawnSync(process.execPath, [BIN, 'trust', 'list', '--json'], { encoding: 'utf8' });
const verifierKey = trusted.status === 0 ? JSON.parse(trusted.stdout).keys[0]?.key : undefined;
process.stdout.write('Export it and check it offline, as anyone holding the file can:\n');
process.stdout.write(`  ${SHOWN_CUS_CLI} proof ${runId} --tenant-id ${TENANT} --export run.proof.json\n`);
process.stdout.write(`  ${SHOWN_AOS_PROOF} verify run.proof.json --key ${quote(verifierKey ?? '<verifier key>')}\n`);
