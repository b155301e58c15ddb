// Shared plumbing of the benchmarks: where things are, how to load the built packages, timing
// and statistics, progress on stderr, child processes and throwaway server databases.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = resolve(BENCH_DIR, '..');
export const WORK_DIR = join(BENCH_DIR, '.work');
export const CUS_CLI_BIN = join(REPO_DIR, 'packages/cus-cli/dist/bin.js');
export const INT_CLI_BIN = join(REPO_DIR, 'packages/int-cli/dist/bin.js');
export const PROOF_CLI_BIN = join(REPO_DIR, 'packages/proof/dist/bin.js');

/** Admin URL of the Postgres server the server figures use (trust auth, like the tests). */
export const SERVER_ADMIN_URL = process.env.AOS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function ensureWorkDir(...parts) {
  const dir = join(WORK_DIR, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

// The bench is plain Node over the BUILT packages: the root package does not depend on them,
// so they are loaded by path, and their own dependencies (pg, kysely) resolve from there.
function distUrl(relative) {
  const file = join(REPO_DIR, relative);
  if (!existsSync(file)) {
    throw new Error(`${relative} is not built: run \`pnpm build\` first`);
  }
  return pathToFileURL(file).href;
}

export const loadProof = () => import(distUrl('packages/proof/dist/index.js'));
export const loadProofNode = () => import(distUrl('packages/proof/dist/node/index.js'));
export const loadProofPostgres = () => import(distUrl('packages/proof/dist/postgres/index.js'));
// The internals the benchmarks drive directly (the store, the runner): @aos/core/testing's build.
export const loadCore = () => import(distUrl('packages/core/dist/testing.js'));
export const loadCoreRuns = () => import(distUrl('packages/core/dist/runs/index.js'));
export const requireFromCore = createRequire(join(REPO_DIR, 'packages/core/package.json'));
export const loadPg = () => requireFromCore('pg');

// --- progress ---------------------------------------------------------------------------
const started = performance.now();
export function progress(message) {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

// --- statistics -------------------------------------------------------------------------
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function round(value, digits = 3) {
  if (value === null || value === undefined || !Number.isFinite(value)) return value ?? null;
  const magnitude = Math.abs(value) >= 1 ? Math.floor(Math.log10(Math.abs(value))) + 1 : 1;
  const decimals = Math.max(0, digits - magnitude);
  return Number(value.toFixed(Math.min(decimals, 6)));
}

/**
 * One figure of results.json. `ratio` is value / reference; `goal` is a text such as
 * "ratio <= 1.3" and `met` is computed by the caller (null when there is no goal).
 */
export function figure({ name, value, unit, reference, ratio, goal = null, met = null, notes = '', extra }) {
  return {
    name,
    value: round(value),
    unit,
    reference: reference ? { name: reference.name, value: round(reference.value), unit: reference.unit } : null,
    ratio: ratio === null || ratio === undefined ? null : round(ratio),
    goal,
    met,
    notes,
    ...(extra === undefined ? {} : { extra }),
  };
}

// --- child processes --------------------------------------------------------------------
/**
 * Spawns `command args` and resolves with its exit code, output and wall time (spawn to exit).
 * Never rejects for a non-zero exit; the caller decides what that means.
 */
export function runProcess(command, args, { env = process.env, cwd = REPO_DIR, input, timeoutMs = 600_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        ms: performance.now() - t0,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.end(input ?? '');
  });
}

/** Parses the last line of a child's stdout that is a JSON document. */
export function lastJsonLine(stdout) {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (line.startsWith('{')) return JSON.parse(line);
  }
  throw new Error(`no JSON result in child output: ${stdout.slice(-500)}`);
}

// --- server databases -------------------------------------------------------------------
async function adminQuery(text) {
  const pg = loadPg();
  const client = new pg.Client({ connectionString: SERVER_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

export async function isServerReachable() {
  try {
    await adminQuery('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** A fresh, empty database on the server; `drop()` removes it (with FORCE). */
export async function createThrowawayDatabase(prefix = 'aos_bench') {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // A closed pg pool may still be saying goodbye on its sockets; a FORCE drop at that moment
    // makes them emit an unhandled 'error'. So: plain drop, retried, and FORCE only at last.
    drop: async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await adminQuery(`DROP DATABASE IF EXISTS ${name}`);
          return;
        } catch (error) {
          if (error.code !== '55006') throw error;
          await delay(100);
        }
      }
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Runs `fn` for about `ms` milliseconds (at least once) and returns how many times and how long. */
export async function runFor(ms, fn) {
  const t0 = performance.now();
  let count = 0;
  do {
    count += await fn(count);
  } while (performance.now() - t0 < ms);
  return { count, ms: performance.now() - t0 };
}
