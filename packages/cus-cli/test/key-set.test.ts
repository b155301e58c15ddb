import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rotateSigningKey, VERIFIER_KEYS_FILE } from '@aos/core/testing';
import { encodeSigningKey, generateSigningKey } from '@aos/proof';
import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import { ProofJsonSchema, RunCommandJsonSchema } from '../src/json-shapes';
import { cliOn, countRows, createAgentViaCli, type CliResult } from './cli-harness';

const KEY_FILES = ['signing.key', VERIFIER_KEYS_FILE];

function keyFilesIn(home: string): string[] {
  return readdirSync(home).filter((name) => name.includes('signing.key') || name.includes('verifier-keys'));
}

describeEachDriver('cus-cli key set', (t) => {
  const tenant = `tenant-${randomUUID()}`;
  // Sealed with a key that lives only in the environment: nothing is written to AOS_HOME.
  const envKey = generateSigningKey('env.example');
  let envRunId: string;

  it('read-only commands on a fresh AOS_HOME never create (or need) a private key file', async () => {
    const agentId = await createAgentViaCli(t, ['--name', 'keys', '--tenant-id', tenant]);
    const sealed = await cliOn(
      t,
      ['run', '--json', '-a', agentId, '-g', 'echo sealed elsewhere', '--tenant-id', tenant],
      {
        AOS_SIGNING_KEY: encodeSigningKey(envKey),
      },
    );
    expect(sealed.code).toBe(0);
    envRunId = RunCommandJsonSchema.parse(JSON.parse(sealed.stdout)).run.id;
    expect(keyFilesIn(t.home)).toEqual([]);

    const exported = join(t.home, 'exported.proof.json');
    const readOnly: [string[], number][] = [
      [['list-agents', '--tenant-id', tenant], 0],
      [['list-runs', '--tenant-id', tenant], 0],
      [['get-run', envRunId, '--tenant-id', tenant], 0],
      [['get-run', randomUUID(), '--tenant-id', tenant], 3],
      [['list-skills'], 0],
      [['list-skills', '--json'], 0],
      // No key in the set yet: the proof is checked against nothing and fails, but no key appears.
      [['proof', envRunId, '--tenant-id', tenant], 5],
      [['proof', envRunId, '--tenant-id', tenant, '--export', exported], 5],
      [['proof', randomUUID(), '--tenant-id', tenant], 3],
      [['create-agent', '--name', 'not-a-sealer', '--tenant-id', tenant], 0],
    ];
    for (const [args, code] of readOnly) {
      const result: CliResult = await cliOn(t, args);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect({ args, keyFiles: keyFilesIn(t.home) }).toEqual({ args, keyFiles: [] });
    }
  });

  it('proof trusts AOS_RETIRED_VERIFIER_KEYS without any private key', async () => {
    // Its own config directory: the tenant checkpoint this proof saves is signed by a key that is
    // trusted in this invocation only, so later proofs (which do not trust it) could not check from it.
    const result = await cliOn(t, ['proof', envRunId, '--tenant-id', tenant, '--json'], {
      AOS_RETIRED_VERIFIER_KEYS: envKey.verifierKey,
      XDG_CONFIG_HOME: join(t.home, 'config-env-key'),
    });
    expect(result.code).toBe(0);
    expect(ProofJsonSchema.parse(JSON.parse(result.stdout)).integrity.verification_status).toBe('VERIFIED');
    expect(keyFilesIn(t.home)).toEqual([]);
  });

  it('a run sealed before a key rotation still VERIFIES, against the retired key of the set', async () => {
    const agentId = await createAgentViaCli(t, ['--name', 'rotation', '--tenant-id', tenant]);
    const run = async (goal: string) => {
      const result = await cliOn(t, ['run', '--json', '-a', agentId, '-g', goal, '--tenant-id', tenant]);
      expect(result.code).toBe(0);
      return RunCommandJsonSchema.parse(JSON.parse(result.stdout)).run.id;
    };
    const proof = async (runId: string) => {
      const result = await cliOn(t, [
        'proof',
        runId,
        '--tenant-id',
        tenant,
        '--json',
        '--export',
        join(t.home, 'p.json'),
      ]);
      return { code: result.code, doc: ProofJsonSchema.parse(JSON.parse(result.stdout)) };
    };
    // The first run that seals creates the key and records it.
    const before = await run('echo before the rotation');
    expect(KEY_FILES.every((name) => existsSync(join(t.home, name)))).toBe(true);
    expect((await proof(before)).code).toBe(0);

    const rotated = await rotateSigningKey(t.env);
    const after = await run('echo after the rotation');
    for (const runId of [before, after]) {
      const { code, doc } = await proof(runId);
      expect({ runId, code, status: doc.integrity.verification_status }).toEqual({
        runId,
        code: 0,
        status: 'VERIFIED',
      });
      expect(doc.export?.verifier_key).toBe(rotated.key.verifierKey);
      expect(doc.export?.verifier_keys).toEqual([rotated.key.verifierKey, rotated.retired.verifierKey]);
      expect(doc.export?.verify_command).toContain(
        `--key ${rotated.key.verifierKey} --key ${rotated.retired.verifierKey}`,
      );
    }

    // The retired key is what verifies the older run: without it in the set, that run fails.
    const keySet = join(t.home, VERIFIER_KEYS_FILE);
    const saved = readFileSync(keySet, 'utf8');
    writeFileSync(keySet, saved.replace(rotated.retired.verifierKey, rotated.key.verifierKey));
    try {
      expect((await proof(before)).code).toBe(5);
      expect((await proof(after)).code).toBe(0);
    } finally {
      writeFileSync(keySet, saved);
    }
  });

  it('run refuses a signing key file others may read (chmod 600 <path>, exit 2) before creating the run', async () => {
    const agentId = await createAgentViaCli(t, ['--name', 'exposed', '--tenant-id', tenant]);
    const file = join(t.home, 'signing.key');
    chmodSync(file, 0o640);
    try {
      const before = await countRows(t);
      const result = await cliOn(t, ['run', '-a', agentId, '-g', 'echo with an exposed key', '--tenant-id', tenant]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`signing key file ${file} has mode 0640`);
      expect(result.stderr).toContain(`run chmod 600 ${file}`);
      expect(await countRows(t)).toEqual(before);
    } finally {
      chmodSync(file, 0o600);
    }
  });
});
