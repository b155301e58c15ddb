import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSkillRegistry } from '@aos/core/testing';
import { COMMAND_SPECS } from '../src/args';
import { runCli } from './cli-harness';

// None of these need a database: AOS_HOME must still not exist afterwards.
const scratch = mkdtempSync(join(tmpdir(), 'cus-cli-help-'));
const env = { AOS_HOME: join(scratch, 'home') };
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('cus-cli help, version and usage (no database)', () => {
  it('--help lists every command and the exit codes', async () => {
    const result = await runCli(['--help'], env);
    expect(result.code).toBe(0);
    for (const spec of COMMAND_SPECS) expect(result.stdout).toContain(`cus-cli ${spec.usage}`);
    expect(result.stdout).toMatch(/Exit codes: 0 ok, 1 operational error, 2 usage error, 3 not found/);
    expect(result.stdout).toContain('--database-url');
    expect(result.stderr).toBe('');
  });

  it.each(COMMAND_SPECS.map((spec) => [spec.name, spec] as const))(
    '%s --help shows its options and examples',
    async (name, spec) => {
      const result = await runCli([name, '--help'], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`cus-cli ${spec.usage}`);
      expect(result.stdout).toContain('Examples:');
      for (const [example] of spec.examples) expect(result.stdout).toContain(example.replace('$0', 'cus-cli'));
      expect(result.stdout).toContain('--json');
    },
  );

  it('run --help documents the flags of docs/cus-cli.md with their short forms', async () => {
    const { stdout } = await runCli(['run', '--help'], env);
    for (const flag of [
      '-a, --agent-id',
      '-g, --goal',
      '--tenant-id',
      '--origin-system-id',
      '--idempotency-key',
      '-v, --verbose',
    ])
      expect(stdout).toContain(flag);
    expect(stdout).toMatch(/--origin-system-id.*\[default: "cus-cli"\]/s);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await runCli(['--version'], env);
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('a usage error is one line on stderr naming the problem and where to look', async () => {
    const result = await runCli(['get-run', '7f1c4c1e-0000-4000-8000-000000000000'], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: Missing required argument: tenant-id (see cus-cli get-run --help)\n');
  });

  it('list-skills prints every registered skill with its version and real description, without a database', async () => {
    const result = await runCli(['list-skills'], env);
    expect(result.code).toBe(0);
    const [header, ...lines] = result.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^NAME +VERSION +DESCRIPTION$/);
    const manifest = createSkillRegistry().manifest();
    expect(lines).toHaveLength(manifest.length);
    manifest.forEach((skill, i) => {
      expect(lines[i]).toMatch(new RegExp(`^${skill.name}\\s+${skill.version.replace(/\./g, '\\.')}\\s+`));
      expect(lines[i]).toContain(skill.description);
    });
  });

  it('never touched AOS_HOME', () => {
    expect(existsSync(env.AOS_HOME)).toBe(false);
  });
});
