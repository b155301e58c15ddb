// Figure 5, `cli_cold`: wall time of `cus-cli --help` and `cus-cli list-skills` next to
// `node -e 0` (spawns interleaved, medians), and `cus-cli run` end to end on a warm embedded
// directory.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  BENCH_DIR,
  CUS_CLI_BIN,
  ensureWorkDir,
  figure,
  lastJsonLine,
  median,
  progress,
  runProcess,
} from './bench-kit.mjs';

const BREAKDOWN = join(BENCH_DIR, 'cli-run-breakdown.mjs');

const TENANT_ID = 'bench-cli';

function cliEnv(home) {
  return { ...process.env, NO_COLOR: '1', AOS_HOME: home, DATABASE_URL: '' };
}

async function timed(args, env) {
  const run = await runProcess(process.execPath, args, { env });
  if (run.code !== 0)
    throw new Error(`node ${args.join(' ')} exited ${run.code}: ${(run.stderr || run.stdout).slice(0, 400)}`);
  return run.ms;
}

async function breakdownOf(args, env) {
  const run = await runProcess(process.execPath, [BREAKDOWN, ...args], { env });
  if (run.code !== 0) throw new Error(`cli-run-breakdown ${args[0]} exited ${run.code}: ${run.stderr.slice(0, 400)}`);
  const timings = lastJsonLine(run.stdout);
  const accounted = Object.values(timings).reduce((a, b) => a + b, 0);
  return { ...timings, 'process start + exit (rest of the wall time)': Math.round(run.ms - accounted) };
}

const describe = (timings) =>
  Object.entries(timings)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');

/**
 * `embeddedHome`: an AOS_HOME whose embedded database already exists (runs_embedded's); without
 * one, a new one is made (its first open runs initdb, which is not what is timed).
 */
export async function measureCli({ quick, embeddedHome }) {
  if (!existsSync(CUS_CLI_BIN)) throw new Error('packages/cus-cli/dist/bin.js is not built');
  const ownHome = embeddedHome === undefined ? join(ensureWorkDir(), `cli-home-${process.pid}`) : null;
  const home = embeddedHome ?? ownHome;
  mkdirSync(home, { recursive: true });
  try {
    return { figures: await measureIn(home, quick) };
  } finally {
    if (ownHome !== null) rmSync(ownHome, { recursive: true, force: true });
  }
}

async function measureIn(home, quick) {
  const spawns = quick ? 3 : 15;
  const env = cliEnv(home);

  const samples = { node: [], help: [], listSkills: [] };
  // Warm the file cache: cold-disk reads are not what a user sees on the second call.
  await timed(['-e', '0'], env);
  await timed([CUS_CLI_BIN, '--help'], env);
  await timed([CUS_CLI_BIN, 'list-skills'], env);
  for (let i = 0; i < spawns; i++) {
    if (i % 5 === 0) progress(`cli_cold: spawns ${i + 1}-${Math.min(i + 5, spawns)} of ${spawns}...`);
    samples.node.push(await timed(['-e', '0'], env));
    samples.help.push(await timed([CUS_CLI_BIN, '--help'], env));
    samples.listSkills.push(await timed([CUS_CLI_BIN, 'list-skills'], env));
  }
  const node = median(samples.node);
  const help = median(samples.help);
  const listSkills = median(samples.listSkills);

  progress('cli_cold: creating an agent in the embedded directory (warms it)...');
  const created = await runProcess(
    process.execPath,
    [CUS_CLI_BIN, 'create-agent', '--name', 'bench-cli', '--tenant-id', TENANT_ID, '--json'],
    { env },
  );
  if (created.code !== 0)
    throw new Error(`cus-cli create-agent exited ${created.code}: ${created.stderr.slice(0, 400)}`);
  const agentId = JSON.parse(created.stdout).agent.id;
  const runSpawns = quick ? 2 : 7;
  const runTimes = [];
  for (let i = 0; i < runSpawns; i++) {
    progress(`cli_cold: cus-cli run ${i + 1}/${runSpawns}...`);
    const run = await runProcess(
      process.execPath,
      [CUS_CLI_BIN, 'run', '-a', agentId, '-g', `echo hello ${i}`, '--tenant-id', TENANT_ID, '--json'],
      { env },
    );
    if (run.code !== 0) throw new Error(`cus-cli run exited ${run.code}: ${(run.stderr || run.stdout).slice(0, 400)}`);
    runTimes.push(run.ms);
  }
  const runMedian = median(runTimes);
  // Where the time goes: full run only (two more processes, and --quick must stay short).
  let breakdown = null;
  let imports = null;
  if (!quick) {
    progress('cli_cold: where the time goes (bench/cli-run-breakdown.mjs)...');
    breakdown = await breakdownOf(['run', home, agentId, TENANT_ID], env);
    imports = await breakdownOf(['imports'], env);
  }
  const nodeRef = { name: 'node -e 0 (median, same run)', value: node, unit: 'ms' };
  const ms = (values) => values.map((v) => v.toFixed(0)).join('/');
  return [
    figure({
      name: 'cli_cold_help',
      value: help,
      unit: 'ms',
      reference: nodeRef,
      ratio: help / node,
      goal: 'ratio <= 2.5',
      met: help / node <= 2.5,
      notes: `median of ${spawns} spawns interleaved with node -e 0; samples ${ms(samples.help)} vs node ${ms(samples.node)}.`,
    }),
    figure({
      name: 'cli_cold_list_skills',
      value: listSkills,
      unit: 'ms',
      reference: nodeRef,
      ratio: listSkills / node,
      goal: 'ratio <= 2.5',
      met: listSkills / node <= 2.5,
      notes: `median of ${spawns} spawns; samples ${ms(samples.listSkills)}.${imports ? ` Import cost of the @aos/core barrel in ms: ${describe(imports)}.` : ''}`,
      extra: { imports },
    }),
    figure({
      name: 'cli_run_warm_embedded',
      value: runMedian / 1000,
      unit: 's',
      reference: { name: 'node -e 0 (median, same run)', value: node / 1000, unit: 's' },
      ratio: runMedian / node,
      goal: 'value <= 1.0 s',
      met: runMedian <= 1000,
      notes:
        `cus-cli run (rules planner, 1 echo step) on an existing embedded directory, median of ${runSpawns}; samples ` +
        `${ms(runTimes)} ms.${breakdown ? ` Same calls in a fresh process, ms: ${describe(breakdown)}.` : ''}`,
      extra: { breakdown },
    }),
  ];
}
