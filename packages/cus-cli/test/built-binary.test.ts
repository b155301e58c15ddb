import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadSigningKey } from '@aos/proof/node';
import { describeEachDriver, spawnNode } from '@aos/testkit';
import { BUILT, configHomeOf, field, requireBuilt } from './cli-harness';

const TENANT = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';

describeEachDriver('cus-cli as a built binary, with offline verification by aos-proof', (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'cus-cli-bin-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Spawns the built `cus-cli`; DATABASE_URL is emptied for the embedded driver so the parent's never leaks in. */
  const cusCli = async (args: string[], input?: string) => {
    await t.release();
    const child = spawnNode([BUILT.cusCli, ...args], {
      env: { DATABASE_URL: '', NO_COLOR: '1', XDG_CONFIG_HOME: configHomeOf(t), ...t.env },
      ...(input === undefined ? {} : { input }),
    });
    const { code } = await child.exited;
    return { code, stdout: child.stdout(), stderr: child.stderr() };
  };
  const aosProof = async (args: string[], input?: string) => {
    const child = spawnNode([BUILT.aosProof, ...args], input === undefined ? {} : { input });
    const { code } = await child.exited;
    return { code, stdout: child.stdout(), stderr: child.stderr() };
  };

  let runId: string;
  let verifierKey: string;
  beforeAll(async () => {
    requireBuilt(BUILT.cusCli, BUILT.aosProof);
    const created = await cusCli(['create-agent', '--name', 'bin-agent', '--tenant-id', TENANT]);
    expect(created.code, created.stderr).toBe(0);
    const agentId = field(created.stdout, 'Created agent')!;
    const run = await cusCli(['run', '-a', agentId, '-g', 'echo proven offline', '--tenant-id', TENANT]);
    expect(run.code, run.stderr).toBe(0);
    runId = field(run.stdout, 'Run ID')!;
    verifierKey = (await loadSigningKey({ env: t.env })).verifierKey;
  });

  it('starts with a shebang, and --help works without a database', async () => {
    expect(readFileSync(BUILT.cusCli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const help = await cusCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('cus-cli proof <run_id>');
  });

  it('proof --export writes a bundle that aos-proof verifies with the key the CLI names', async () => {
    const file = join(scratch, `bundle-${t.driver}.json`);
    const proof = await cusCli(['proof', runId, '--tenant-id', TENANT, '--export', file]);
    expect(proof.code, proof.stderr).toBe(0);
    expect(field(proof.stdout, 'verification_status')).toBe('VERIFIED');
    expect(proof.stderr).toContain(`npx @aos/proof verify ${file} --key ${verifierKey}`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      format: 'aos.proof-bundle.v2',
      run: { id: runId, tenant_id: TENANT },
    });

    const verified = await aosProof(['verify', file, '--key', verifierKey]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    // One flipped byte in a step and the offline check refuses it.
    const bundle = JSON.parse(readFileSync(file, 'utf8'));
    bundle.steps[0].envelope.outcome_data = { message: 'forged' };
    const forged = join(scratch, `forged-${t.driver}.json`);
    writeFileSync(forged, JSON.stringify(bundle));
    expect((await aosProof(['verify', forged, '--key', verifierKey])).code).toBe(5);
  });

  it('proof --export - puts the bundle alone on stdout (verdict on stderr)', async () => {
    const proof = await cusCli(['proof', runId, '--tenant-id', TENANT, '--export', '-']);
    expect(proof.code, proof.stderr).toBe(0);
    expect(JSON.parse(proof.stdout)).toMatchObject({ format: 'aos.proof-bundle.v2' });
    expect(field(proof.stderr, 'verification_status')).toBe('VERIFIED');
    expect((await aosProof(['verify', '-', '--key', verifierKey], proof.stdout)).code).toBe(0);
  });

  it('proof --export <file> --step 0 writes an inclusion proof that aos-proof verify-step accepts', async () => {
    const file = join(scratch, `step0-${t.driver}.json`);
    const proof = await cusCli(['proof', runId, '--tenant-id', TENANT, '--export', file, '--step', '0']);
    expect(proof.code, proof.stderr).toBe(0);
    expect(proof.stderr).toContain(`npx @aos/proof verify-step ${file} --key ${verifierKey}`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      format: 'aos.step-proof.v2',
      index: 1,
      tree_size: 3,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const verified = await aosProof(['verify-step', file, '--key', verifierKey]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('proof --step beyond the last step is a usage error and writes no file', async () => {
    const file = join(scratch, `step9-${t.driver}.json`);
    const proof = await cusCli(['proof', runId, '--tenant-id', TENANT, '--export', file, '--step', '9']);
    expect(proof.code).toBe(2);
    expect(proof.stderr).toMatch(/--step: .*1 step/);
    expect(() => readFileSync(file)).toThrow();
  });
});
