// CPU profiles (`node --cpu-prof`) of the workloads behind the figures, with the top self-time
// functions printed. Profiles are kept in bench/.work/profiles/<target>/ (open them in Chrome
// DevTools or speedscope for call trees).
//
//   node bench/profile.mjs <proof|proof-prototype|runs|runs-embedded|append|cli-help|cli-list-skills|cli-run> [--quick]
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CUS_CLI_BIN, ensureWorkDir, progress, REPO_DIR, runProcess } from './bench-kit.mjs';
import { formatTop, selfTimeByPackage, topSelfTime } from './cpu-profile-top.mjs';
import { ensureBundle } from './proof-bundle-file.mjs';

const [target, ...rest] = process.argv.slice(2);
const quick = rest.includes('--quick');

async function targetCommand() {
  switch (target) {
    case 'proof':
    case 'proof-prototype': {
      const bundle = await ensureBundle(quick ? 50_000 : 1_000_000);
      const script = target === 'proof' ? 'proof-verify-child.mjs' : 'proof-verify-parallel.mjs';
      const extra = target === 'proof' ? ['--no-ref-a'] : ['--workers', '0'];
      return ['--max-old-space-size=8192', join('bench', script), bundle.file, bundle.verifierKey, ...extra];
    }
    case 'runs':
      return ['bench/runner-loop.mjs', '--concurrency', '4', '--seconds', quick ? '3' : '10'];
    case 'runs-embedded':
      return ['bench/runner-loop.mjs', '--embedded', '--concurrency', '1', '--seconds', quick ? '3' : '10'];
    case 'append':
      return ['bench/runner-loop.mjs', '--concurrency', '1', '--steps', '25', '--seconds', quick ? '3' : '10'];
    case 'cli-help':
      return [CUS_CLI_BIN, '--help'];
    case 'cli-list-skills':
      return [CUS_CLI_BIN, 'list-skills'];
    default:
      return null;
  }
}

async function cliRunCommand(env) {
  const created = await runProcess(
    process.execPath,
    [CUS_CLI_BIN, 'create-agent', '--name', 'profile', '--tenant-id', 'profile', '--json'],
    { env },
  );
  if (created.code !== 0) throw new Error(`cus-cli create-agent: ${created.stderr}`);
  const agentId = JSON.parse(created.stdout).agent.id;
  return [CUS_CLI_BIN, 'run', '-a', agentId, '-g', 'echo hello', '--tenant-id', 'profile'];
}

const dir = join(ensureWorkDir('profiles'), target ?? 'none');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const home = join(dir, 'aos-home');
const env = { ...process.env, NO_COLOR: '1', AOS_HOME: home, DATABASE_URL: '' };
let command = await targetCommand();
if (command === null && target === 'cli-run') command = await cliRunCommand(env);
if (command === null) {
  process.stderr.write(
    'usage: node bench/profile.mjs <proof|proof-prototype|runs|runs-embedded|append|cli-help|cli-list-skills|cli-run> [--quick]\n',
  );
  process.exit(2);
}
progress(`profiling: node --cpu-prof ${command.join(' ')}`);
const run = await runProcess(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...command], {
  env,
  cwd: REPO_DIR,
});
if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr.slice(-600)}`);
process.stdout.write(run.stdout.split('\n').slice(-3).join('\n'));
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const path = join(dir, file);
  process.stdout.write(`\n== ${path}\n${formatTop(topSelfTime(path, 20))}\n`);
  process.stdout.write(`-- by package\n${formatTop(selfTimeByPackage(path))}\n`);
}
rmSync(home, { recursive: true, force: true });
