// A whole service deployment (docs/deploy.md) on the local Postgres server, built from the BUILT
// binaries: a throwaway database, the three roles, a service login role, the signing key,
// `aos-server`, a tenant and its first API key. Used by `pnpm quickstart:service` (which prints
// every command) and by the service benchmark. `close()` removes everything it created.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const requireFromCore = createRequire(fileURLToPath(new URL('../packages/core/package.json', import.meta.url)));
const pg = requireFromCore('pg');

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const bin = (pkg) => fileURLToPath(new URL(`../packages/${pkg}/dist/bin.js`, import.meta.url));
export const BINS = { 'int-cli': bin('int-cli'), 'cus-cli': bin('cus-cli'), 'aos-server': bin('server') };

const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The value of a `name: value` line of a command's output. */
export const outputLine = (text, name) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1];

async function adminQuery(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

function databaseUrl(adminUrl, database, user) {
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${database}`;
  if (user) {
    parsed.username = user;
    parsed.password = '';
  }
  return parsed.toString();
}

/**
 * Sets up the deployment and starts `aos-server`. With `echo`, every command and its output is
 * printed on stdout as it runs (the quickstart); without, only failures say anything.
 *
 * `serverEnv` is added to the server's environment (the benchmark lifts the rate limit).
 *
 * @returns `{ url, apiKey, tenantId, customerEnv, runBin, close }` — `customerEnv` is what a
 *   customer's shell holds after `login`: no database URL and no private key.
 */
export async function openServiceSandbox({
  adminUrl = DEFAULT_ADMIN_URL,
  echo = false,
  tenantId = 'acme',
  serverEnv = {},
} = {}) {
  for (const [name, path] of Object.entries(BINS)) {
    if (!existsSync(path)) throw new Error(`${path} (${name}) is missing; build first (pnpm build)`);
  }
  const say = (text) => {
    if (echo) process.stdout.write(text);
  };
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const dbName = `aos_sandbox_${suffix}`;
  const serviceRole = `aos_sandbox_svc_${suffix}`;
  const dirs = [];
  const tempDir = (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  /** Runs one built bin; throws with its output when it exits non-zero. */
  const runBin = (name, args, { env = {}, input, show = {} } = {}) => {
    const shown = Object.entries(show)
      .map(([k, v]) => `${k}=${v} `)
      .join('');
    say(`\n$ ${shown}${name} ${args.map(quote).join(' ')}\n`);
    const result = spawnSync(process.execPath, [BINS[name], ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', ...env },
      input,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (result.error) throw result.error;
    say(result.stderr + result.stdout);
    if (result.status !== 0) {
      throw new Error(
        `${name} ${args.join(' ')} exited with ${result.status ?? result.signal}: ${result.stderr.trim()}`,
      );
    }
    return result.stdout;
  };

  let server;
  let created = false;
  let roleCreated = false;
  const close = async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      await exited;
    }
    if (created) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    if (roleCreated) await adminQuery(adminUrl, `DROP ROLE IF EXISTS ${serviceRole}`);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };

  try {
    say(`throwaway database ${dbName} on ${new URL(adminUrl).host}\n`);
    await adminQuery(adminUrl, `CREATE DATABASE ${dbName}`);
    created = true;
    const serverHome = tempDir('aos-sandbox-server-');
    const ops = { DATABASE_URL: databaseUrl(adminUrl, dbName), AOS_HOME: serverHome };
    const showOps = { DATABASE_URL: '<admin>' };
    runBin('int-cli', ['db', 'roles'], { env: ops, show: showOps });
    runBin('int-cli', ['migrate'], { env: ops, show: showOps });
    say(`\n$ psql -c "CREATE ROLE ${serviceRole} LOGIN IN ROLE aos_app, aos_worker"\n`);
    await adminQuery(adminUrl, `CREATE ROLE ${serviceRole} LOGIN IN ROLE aos_app, aos_worker`);
    roleCreated = true;
    runBin('int-cli', ['keys', 'generate', '--name', 'aos-sandbox'], { env: ops, show: { AOS_HOME: '<server home>' } });
    runBin('int-cli', ['tenants', 'create', '--tenant-id', tenantId, '--name', 'Acme Corp'], {
      env: ops,
      show: showOps,
    });
    const keyJson = runBin('int-cli', ['api-keys', 'create', '--tenant-id', tenantId, '--json'], {
      env: ops,
      show: showOps,
    });
    const apiKey = JSON.parse(keyJson).key;
    if (typeof apiKey !== 'string') throw new Error('api-keys create printed no key');

    say(`\n$ DATABASE_URL=<${serviceRole}> AOS_HOME=<server home> aos-server --port 0 &\n`);
    server = spawn(process.execPath, [BINS['aos-server'], '--port', '0'], {
      env: {
        ...process.env,
        NO_COLOR: '1',
        DATABASE_URL: databaseUrl(adminUrl, dbName, serviceRole),
        AOS_HOME: serverHome,
        ...serverEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise((resolve, reject) => {
      const onData = (chunk) => {
        output += chunk;
        const match = /aos-server listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1].replace(/\/$/, ''));
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      server.once('exit', (code) => reject(new Error(`aos-server exited with ${code}: ${output.trim()}`)));
    });
    // Drain the request log so the pipe never fills.
    server.stdout.resume();
    server.stderr.resume();
    say(`aos-server listening on ${url}\n`);
    const customerEnv = {
      XDG_CONFIG_HOME: tempDir('aos-sandbox-customer-'),
      AOS_HOME: tempDir('aos-sandbox-home-'),
      DATABASE_URL: '',
    };
    // adminDatabaseUrl: the throwaway database as the admin login (benchmarks read timings from it).
    return { url, apiKey, tenantId, customerEnv, runBin, close, adminDatabaseUrl: databaseUrl(adminUrl, dbName) };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
