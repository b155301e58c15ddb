import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT, field, requireBuilt } from './cli-harness';

// What a customer gets from `npm install @aos/cus-cli`: the three packed tarballs installed
// with npm (`--strict-peer-deps`, as strict users do) into an empty project outside the
// workspace (third-party dependencies come from the registry), then `npx cus-cli` with the
// embedded database and the offline check it suggests. Catches a missing `files` entry, a
// `workspace:` range left in a published manifest, a dependency that only resolved inside the
// monorepo, a peer range that drags in a second PGlite, and PGlite assets lost in bundling.

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
      run('npm', ['install', '--strict-peer-deps', '--no-package-lock', ...files], {
        cwd: project,
        env,
        timeout: INSTALL_TIMEOUT_MS,
      }),
      'npm install --strict-peer-deps',
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

  it('every tarball carries its LICENSE and README, and its manifest says how it is published', () => {
    for (const name of PACKAGES) {
      const dir = join(project, 'node_modules', '@aos', name);
      expect(existsSync(join(dir, 'LICENSE')), `${name} LICENSE`).toBe(true);
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toContain('Apache License');
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^## Install$/m);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest, name).toMatchObject({
        license: 'Apache-2.0',
        publishConfig: { access: 'public' },
        repository: { type: 'git', directory: `packages/${name}` },
      });
      expect(manifest.homepage, name).toEqual(expect.any(String));
      expect(manifest.keywords, name).toEqual(expect.arrayContaining(['aos']));
    }
  });

  it('installs exactly one PGlite', () => {
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const path = join(dir, entry.name);
        const manifest = join(path, 'package.json');
        if (entry.name === 'pglite' && existsSync(manifest)) {
          const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; version: string };
          if (name === '@electric-sql/pglite') found.push(`${version} at ${path}`);
        }
        walk(path);
      }
    };
    walk(join(project, 'node_modules'));
    expect(found).toHaveLength(1);
  });

  it('npx cus-cli --help', () => {
    const help = ok(run('npx', ['--no', '--', 'cus-cli', '--help'], { cwd: project, env }), 'npx cus-cli --help');
    expect(help).toContain('cus-cli run');
  });

  it(
    'npx cus-cli create-agent, run and proof on the embedded database',
    () => {
      const first = run('npx', ['--no', '--', 'cus-cli', 'create-agent', '--name', 'packed', '--tenant-id', TENANT], {
        cwd: project,
        env,
      });
      const created = ok(first, 'create-agent');
      // The first command creates the embedded database and says so, once, on stderr.
      expect(first.stderr).toBe(
        `Creating the embedded database in ${join(env.AOS_HOME, 'pgdata')} (first use, a few seconds)...\n`,
      );
      const agentId = field(created, 'Created agent');
      expect(agentId).toMatch(/^[0-9a-f-]{36}$/);
      const running = run(
        'npx',
        ['--no', '--', 'cus-cli', 'run', '-a', agentId!, '-g', 'Run proof v3 validation run', '--tenant-id', TENANT],
        { cwd: project, env },
      );
      const ran = ok(running, 'run');
      expect(running.stderr).not.toContain('Creating the embedded database');
      expect(field(ran, 'Status')).toBe('succeeded');
      const exporting = run(
        'npx',
        ['--no', '--', 'cus-cli', 'proof', field(ran, 'Run ID')!, '--tenant-id', TENANT, '--export', 'run.proof.json'],
        { cwd: project, env },
      );
      expect(field(ok(exporting, 'proof --export'), 'verification_status')).toBe('VERIFIED');

      // The offline check the export suggests, run exactly as printed, with the installed packages.
      const suggested = exporting.stderr
        .split('\n')
        .map((line) => line.trim())
        .find((line) => line.startsWith('npx @aos/proof verify '));
      expect(suggested, exporting.stderr).toMatch(/^npx @aos\/proof verify run\.proof\.json --key \S+$/);
      const verified = ok(run('bash', ['-c', suggested!], { cwd: project, env }), suggested!);
      expect(verified).toMatch(/^verification_status: VERIFIED$/m);
    },
    COMMANDS_TIMEOUT_MS,
  );
});
