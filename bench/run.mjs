// `pnpm bench [--quick] [--only proof,append,runs,embedded,cli,audit,sequencer,service,tlog,browser,workers]`: measures the figures of
// issue 7, each next to its reference in the same run, prints a table on stdout, writes
// bench/results.json, and reports progress on stderr. Runs on the BUILT packages (`pnpm build`).
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, ensureWorkDir, isServerReachable, progress, SERVER_ADMIN_URL } from './bench-kit.mjs';
import { measureAudit } from './figure-audit.mjs';
import { measureBrowser } from './figure-browser.mjs';
import { measureCli } from './figure-cli.mjs';
import { measureProofVerify } from './figure-proof-verify.mjs';
import { measureRunsEmbedded, measureRunsServer, measureStepAppend } from './figure-runs.mjs';
import { measureSequencer } from './figure-sequencer.mjs';
import { measureService } from './figure-service.mjs';
import { measureTlog } from './figure-tlog.mjs';
import { measureWorkers } from './figure-workers.mjs';

const GROUPS = [
  { id: 'proof', names: ['proof_verify_1m'], server: false, measure: measureProofVerify },
  { id: 'append', names: ['step_append'], server: true, measure: measureStepAppend },
  { id: 'runs', names: ['runs_e2e'], server: true, measure: measureRunsServer },
  { id: 'embedded', names: ['runs_embedded'], server: false, measure: measureRunsEmbedded },
  {
    id: 'cli',
    names: ['cli_cold_help', 'cli_cold_list_skills', 'cli_run_warm_embedded'],
    server: false,
    measure: measureCli,
  },
  { id: 'audit', names: ['audit_throughput'], server: true, measure: measureAudit },
  { id: 'sequencer', names: ['tlog_seals_per_s'], server: true, measure: measureSequencer },
  {
    id: 'service',
    names: ['cli_run_remote', 'api_runs_sealed_c1', 'api_runs_sealed_c4', 'api_runs_sealed_c16', 'tlog_seal_lag'],
    server: true,
    measure: measureService,
  },
  {
    id: 'tlog',
    names: [
      'tlog_inclusion_1m',
      'tlog_inclusion_1m_proof_size',
      'tlog_consistency_1m',
      'tlog_consistency_1m_proof_size',
      'witness_add_checkpoint_p95',
    ],
    server: false,
    measure: measureTlog,
  },
  {
    id: 'browser',
    names: ['browser_verify_1k', 'browser_verify_100k', 'verifier_bundle_gzip', 'verify_page_gzip'],
    server: false,
    measure: measureBrowser,
  },
  {
    id: 'workers',
    names: [
      'worker_runs_api_p1',
      'worker_runs_api_p2',
      'worker_runs_api_p4',
      'worker_runs_3step_p4',
      'worker_queue_latency_p95',
      'worker_kill9_recovery',
    ],
    server: true,
    measure: measureWorkers,
  },
];

function parseArgs(argv) {
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--only');
  const only = at === -1 ? null : new Set((argv[at + 1] ?? '').split(','));
  const unknown = argv.filter((arg, i) => !['--quick', '--only'].includes(arg) && argv[i - 1] !== '--only');
  if (unknown.length > 0 || (only && [...only].some((id) => !GROUPS.some((g) => g.id === id)))) {
    process.stderr.write(`usage: node bench/run.mjs [--quick] [--only ${GROUPS.map((g) => g.id).join(',')}]\n`);
    process.exit(2);
  }
  return { quick, only };
}

function cell(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'NO';
  return String(value);
}

function printTable(figures) {
  const rows = [
    ['figure', 'value', 'reference', 'ratio', 'goal', 'met'],
    ...figures.map((f) => [
      f.name,
      f.value === null ? 'error' : `${cell(f.value)} ${f.unit}`,
      f.reference ? `${cell(f.reference.value)} ${f.reference.unit} (${f.reference.name.split(':')[0]})` : '—',
      cell(f.ratio),
      cell(f.goal),
      cell(f.met),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r) =>
    r
      .map((text, c) => text.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  process.stdout.write(`${out.join('\n')}\n`);
}

const { quick, only } = parseArgs(process.argv.slice(2));
const started = performance.now();
const machine = {
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? 'unknown',
  date: new Date().toISOString(),
  loadavg_start: loadavg().map((l) => Math.round(l * 100) / 100),
};
progress(`${quick ? 'quick' : 'full'} run on ${machine.cpus} CPUs, load ${machine.loadavg_start.join(' ')}`);

const serverUp = await isServerReachable();
if (!serverUp) progress(`no Postgres server at ${SERVER_ADMIN_URL}: server figures are skipped`);

const figures = [];
let failed = false;
const context = { quick, embeddedHome: undefined, perRun: undefined };
const embeddedHome = join(ensureWorkDir(), `embedded-home-${process.pid}`);
try {
  for (const group of GROUPS) {
    if (only && !only.has(group.id)) continue;
    if (group.server && !serverUp) {
      for (const name of group.names) {
        figures.push({
          name,
          value: null,
          unit: null,
          reference: null,
          ratio: null,
          goal: null,
          met: null,
          notes: 'skipped: no Postgres server',
        });
      }
      continue;
    }
    const t0 = performance.now();
    try {
      const measured = await group.measure({ ...context, embeddedHomeDir: embeddedHome });
      figures.push(...measured.figures);
      if (measured.embeddedHome) context.embeddedHome = measured.embeddedHome;
      if (measured.perRun) context.perRun = measured.perRun;
    } catch (error) {
      failed = true;
      progress(`${group.id}: FAILED: ${error.stack ?? error}`);
      for (const name of group.names) {
        figures.push({
          name,
          value: null,
          unit: null,
          reference: null,
          ratio: null,
          goal: null,
          met: null,
          notes: `error: ${error.message}`,
        });
      }
    }
    progress(`${group.id}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(embeddedHome, { recursive: true, force: true });
}

machine.loadavg_end = loadavg().map((l) => Math.round(l * 100) / 100);
const totalSeconds = Math.round((performance.now() - started) / 100) / 10;
const results = { machine, quick, total_seconds: totalSeconds, figures };
writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
printTable(figures);
progress(`wrote bench/results.json in ${totalSeconds} s`);
if (failed) process.exitCode = 1;
