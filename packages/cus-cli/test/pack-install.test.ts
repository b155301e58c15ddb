import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT, field, requireBuilt } from './cli-harness';

// What a customer gets from `npm install @aos/cus-cli`: the three packed tarballs installed
// into an empty project outside the workspace (third-party dependencies come from the
// registry), then `npx cus-cli` with the embedded database. Catches a missing `files` entry,
// a `workspace:` range left in a published manifest, a dependency that only resolved inside
// the monorepo, and PGlite assets lost in bundling.

const PACKAGES = ['proof', 'core', 'cus-cli'] as const;
const packagesDir = fileURLToPath(new URL('../../', import.meta.url));
const TENANT = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const INSTALL_TIMEOUT_MS = 240_000;
// Three child processes, the first of which creates the embedded database (initdb): slow on a loaded machine.
const COMMANDS_TIMEOUT_MS = 180_000;

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeout ?? 120_000,
  });
  if (result.error) throw result.error;
  return result;
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} exited with ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('cus-cli installed from packed tarballs', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cus-cli-pack-'));
  const tarballs = join(scratch, 'tarballs');
  const project = join(scratch, 'project');
  const env = {
    AOS_HOME: join(scratch, 'aos-home'),
    XDG_CONFIG_HOME: join(scratch, 'config'),
    DATABASE_URL: '',
    NO_COLOR: '1',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  beforeAll(() => {
    requireBuilt(BUILT.cusCli);
    mkdirSync(tarballs);
    mkdirSync(project);
    for (const name of PACKAGES)
      ok(run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(packagesDir, name) }), `pnpm pack ${name}`);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'cus-cli-pack-test', version: '0.0.0', private: true }),
    );
    const files = readdirSync(tarballs).map((file) => join(tarballs, file));
    ok(
      run('npm', ['install', '--no-package-lock', ...files], { cwd: project, env, timeout: INSTALL_TIMEOUT_MS }),
      'npm install',
    );
  }, INSTALL_TIMEOUT_MS + 60_000);

  it('published manifests name real versions, which npm resolved to the local tarballs', () => {
    const ls = JSON.parse(ok(run('npm', ['ls', '--all', '--json'], { cwd: project, env }), 'npm ls')) as {
      dependencies: Record<
        string,
        { version: string; resolved?: string; dependencies?: Record<string, { version: string }> }
      >;
    };
    for (const name of PACKAGES) expect(ls.dependencies[`@aos/${name}`]?.resolved, name).toMatch(/^file:/);
    const manifest = run('node', ['-p', 'JSON.stringify(require("@aos/cus-cli/package.json").dependencies)'], {
      cwd: project,
      env,
    });
    expect(ok(manifest, 'read manifest')).not.toContain('workspace:');
  });

  it('npx cus-cli --help', () => {
    const help = ok(run('npx', ['--no', '--', 'cus-cli', '--help'], { cwd: project, env }), 'npx cus-cli --help');
    expect(help).toContain('cus-cli run');
  });

  it(
    'npx cus-cli create-agent, run and proof on the embedded database',
    () => {
      const created = ok(
        run('npx', ['--no', '--', 'cus-cli', 'create-agent', '--name', 'packed', '--tenant-id', TENANT], {
          cwd: project,
          env,
        }),
        'create-agent',
      );
      const agentId = field(created, 'Created agent');
      expect(agentId).toMatch(/^[0-9a-f-]{36}$/);
      const ran = ok(
        run(
          'npx',
          ['--no', '--', 'cus-cli', 'run', '-a', agentId!, '-g', 'Run proof v3 validation run', '--tenant-id', TENANT],
          { cwd: project, env },
        ),
        'run',
      );
      expect(field(ran, 'Status')).toBe('succeeded');
      const proof = ok(
        run('npx', ['--no', '--', 'cus-cli', 'proof', field(ran, 'Run ID')!, '--tenant-id', TENANT], {
          cwd: project,
          env,
        }),
        'proof',
      );
      expect(field(proof, 'verification_status')).toBe('VERIFIED');
    },
    COMMANDS_TIMEOUT_MS,
  );
});
