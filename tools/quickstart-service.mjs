#!/usr/bin/env node
// docs/deploy.md end to end on the local Postgres server (run `pnpm quickstart:service`, which
// builds first): a throwaway database, the three roles, a service login role, the signing key,
// `aos-server`, a tenant and its first API key, then a customer's `login`, `create-agent`, `run`
// and `proof` with the BUILT binaries. Every command is printed before it runs. Exits non-zero
// unless the customer's own verification says `verification_status: VERIFIED`. Everything it
// created (database, login role, temporary directories, the server process) is removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pg = require(require.resolve('pg', { paths: [fileURLToPath(new URL('../packages/core', import.meta.url))] }));

const ADMIN_URL = process.env.AOS_QUICKSTART_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const bin = (pkg) => fileURLToPath(new URL(`../packages/${pkg}/dist/bin.js`, import.meta.url));
const BINS = { 'int-cli': bin('int-cli'), 'cus-cli': bin('cus-cli'), 'aos-server': bin('server') };
const TENANT = 'acme';
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const DB_NAME = `aos_quickstart_${suffix}`;
const SERVICE_ROLE = `aos_quickstart_svc_${suffix}`;

for (const [name, path] of Object.entries(BINS)) {
  if (!existsSync(path)) fail(`${path} (${name}) is missing; build first (pnpm build, or pnpm quickstart:service)`);
}

function fail(message) {
  process.stderr.write(`quickstart:service: ${message}\n`);
  process.exit(1);
}

const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
const line = (text, name) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1];

/** Runs one built bin, echoing the command (with the environment it sets) and its output. */
function runBin(name, args, { env = {}, input, show = {} } = {}) {
  const shown = Object.entries(show)
    .map(([k, v]) => `${k}=${quote(v)} `)
    .join('');
  process.stdout.write(`\n$ ${shown}${name} ${args.map(quote).join(' ')}\n`);
  const result = spawnSync(process.execPath, [BINS[name], ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (result.error) throw result.error;
  process.stderr.write(result.stderr);
  process.stdout.write(result.stdout);
  if (result.status !== 0) throw new Error(`${name} ${args[0]} exited with ${result.status ?? result.signal}`);
  return result.stdout;
}

async function admin(sql, url = ADMIN_URL) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const withDatabase = (url, database, user) => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (user) {
    parsed.username = user;
    parsed.password = '';
  }
  return parsed.toString();
};

/** Starts the built aos-server and resolves with its base URL once it listens. */
async function startServer(env) {
  process.stdout.write(`\n$ DATABASE_URL=<service role> AOS_HOME=<server home> aos-server --port 0 &\n`);
  const child = spawn(process.execPath, [BINS['aos-server'], '--port', '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /https?:\/\/[\d.]+:\d+/.exec(output);
      if (match) resolve(match[0]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`aos-server exited with ${code}:\n${output}`)));
  });
  process.stdout.write(`aos-server listening at ${url}\n`);
  return { url, child };
}

const dirs = [];
const tempDir = (prefix) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

let server;
let created = false;
try {
  await admin(`CREATE DATABASE ${DB_NAME}`);
  created = true;
  const ownerUrl = withDatabase(ADMIN_URL, DB_NAME);
  const serverHome = tempDir('aos-quickstart-server-');
  const ops = { DATABASE_URL: ownerUrl, AOS_HOME: serverHome };
  const showOps = { DATABASE_URL: '<admin>' };

  process.stdout.write(`quickstart:service: throwaway database ${DB_NAME} on ${new URL(ADMIN_URL).host}\n`);
  runBin('int-cli', ['db', 'roles'], { env: ops, show: showOps });
  runBin('int-cli', ['migrate'], { env: ops, show: showOps });
  process.stdout.write(`\n$ psql -c "CREATE ROLE ${SERVICE_ROLE} LOGIN IN ROLE aos_app"\n`);
  await admin(`CREATE ROLE ${SERVICE_ROLE} LOGIN IN ROLE aos_app`);
  runBin('int-cli', ['keys', 'generate', '--name', 'aos-quickstart'], {
    env: ops,
    show: { AOS_HOME: '<server home>' },
  });
  runBin('int-cli', ['tenants', 'create', '--tenant-id', TENANT, '--name', 'Acme Corp'], { env: ops, show: showOps });
  const keyJson = runBin('int-cli', ['api-keys', 'create', '--tenant-id', TENANT, '--json'], {
    env: ops,
    show: showOps,
  });
  const apiKey = JSON.parse(keyJson).key;
  if (typeof apiKey !== 'string') fail('api-keys create printed no key');

  server = await startServer({ DATABASE_URL: withDatabase(ADMIN_URL, DB_NAME, SERVICE_ROLE), AOS_HOME: serverHome });

  // The customer: no database URL, no key file; only the server's URL and the API key.
  const customer = {
    XDG_CONFIG_HOME: tempDir('aos-quickstart-customer-'),
    DATABASE_URL: '',
    AOS_HOME: tempDir('aos-quickstart-home-'),
  };
  runBin('cus-cli', ['login', '--api-url', server.url, '--yes'], { env: customer, input: apiKey });
  runBin('cus-cli', ['whoami'], { env: customer });
  const agent = runBin('cus-cli', ['create-agent', '--name', 'quickstart'], { env: customer });
  const agentId = line(agent, 'Created agent');
  if (!agentId) fail('create-agent printed no agent id');
  const ran = runBin('cus-cli', ['run', '--agent-id', agentId, '--goal', 'Run proof v3 validation run', '--verbose'], {
    env: customer,
  });
  const runId = line(ran, 'Run ID');
  if (!runId) fail('run printed no run id');
  const proof = runBin('cus-cli', ['proof', runId], { env: customer });
  const status = line(proof, 'verification_status');
  if (status !== 'VERIFIED') fail(`verification_status is ${status ?? 'missing'}`);
  process.stdout.write(
    `\nquickstart:service: run ${runId} ran on aos-server and the customer verified its proof: VERIFIED.\n`,
  );
} catch (error) {
  process.stderr.write(`\nquickstart:service: FAILED — ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  if (server && server.child.exitCode === null) {
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    await exited;
  }
  if (created) await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin(`DROP ROLE IF EXISTS ${SERVICE_ROLE}`);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
