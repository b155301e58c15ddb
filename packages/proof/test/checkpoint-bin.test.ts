import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  cosignerKeyFrom,
  encodeSigningKey,
  generateSigningKey,
  merkleTreeHash,
  sha256Hex,
  signCheckpoint,
  verifyCosignature,
  type SigningKey,
} from '../src/index';

const run = promisify(execFile);
const binPath = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'dist', 'bin.js');
const logKey = generateSigningKey('aos.test');
const w1 = generateSigningKey('w1.test');
const w2 = generateSigningKey('w2.test');
const checkpoint = signCheckpoint(
  { origin: 'aos.test/tenants/acme', treeSize: 1, rootHash: merkleTreeHash([sha256Hex('leaf')]) },
  logKey,
);
let dir: string;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built bin with `stdin` piped in. */
async function bin(args: string[], stdin = ''): Promise<Outcome> {
  const child = spawn(process.execPath, [binPath, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function keyFile(name: string, key: SigningKey): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${encodeSigningKey(key)}\n`, { mode: 0o600 });
  return file;
}

async function policyFile(name: string, policy: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(policy));
  return file;
}

const policy = (quorum: number): unknown => ({
  log_keys: [logKey.verifierKey],
  witnesses: [
    { name: 'alpha', key: cosignerKeyFrom(w1).verifierKey },
    { name: 'beta', key: cosignerKeyFrom(w2).verifierKey },
  ],
  quorum,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aos-checkpoint-bin-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('aos-proof witness cosign and checkpoint verify (built bin)', () => {
  it('cosigns offline, from a file or stdin, and a 2-of-2 policy verifies the result', async () => {
    const w1File = await keyFile('w1.key', w1);
    const w2File = await keyFile('w2.key', w2);
    const checkpointFile = join(dir, 'checkpoint.txt');
    await writeFile(checkpointFile, checkpoint);

    const first = await run(process.execPath, [
      binPath,
      'witness',
      'cosign',
      '--key-file',
      w1File,
      checkpointFile,
      '--time',
      '1700000000',
    ]);
    expect(first.stdout.startsWith(checkpoint)).toBe(true);
    expect(first.stdout.slice(checkpoint.length)).toMatch(/^— w1\.test \S+\n$/);
    expect(verifyCosignature(first.stdout, cosignerKeyFrom(w1).verifierKey)).toEqual({
      valid: true,
      timestamp: 1700000000,
    });

    const second = await bin(['witness', 'cosign', '--key-file', w2File, '-'], first.stdout);
    expect(second.code).toBe(0);
    const now = verifyCosignature(second.stdout, cosignerKeyFrom(w2).verifierKey).timestamp ?? 0;
    expect(Math.abs(now - Date.now() / 1000)).toBeLessThan(60);

    const both = await policyFile('both.json', policy(2));
    const verified = await bin(['checkpoint', 'verify', '-', '--policy', both], second.stdout);
    expect(verified).toMatchObject({ code: 0, stderr: '' });
    expect(verified.stdout).toBe(
      'log_signature: valid\ncosignatures: 2/2 (alpha, beta)\nverification_status: VERIFIED\n',
    );

    const json = await bin(['checkpoint', 'verify', '-', '--policy', both, '--json'], first.stdout);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({
      verification_status: 'FAILED',
      log_signature_valid: true,
      cosigned: ['alpha'],
      missing: ['beta'],
      quorum: 2,
      failure_reason: expect.stringMatching(/^1 of the 2 cosignatures required/) as unknown,
    });
  });

  it('fails, exit 5, a checkpoint one cosignature short or signed by another log key', async () => {
    const w1File = await keyFile('w1-short.key', w1);
    const cosigned = await bin(['witness', 'cosign', '--key-file', w1File, '-'], checkpoint);
    const both = await policyFile('short.json', policy(2));
    const short = await bin(['checkpoint', 'verify', '-', '--policy', both], cosigned.stdout);
    expect(short.code).toBe(5);
    expect(short.stdout).toMatch(
      /^log_signature: valid\ncosignatures: 1\/2 \(alpha\)\nverification_status: FAILED\nfailure_reason: /,
    );

    const otherLog = signCheckpoint(
      { origin: 'aos.test/tenants/acme', treeSize: 1, rootHash: sha256Hex('x') },
      generateSigningKey('aos.test'),
    );
    const foreign = await bin(['witness', 'cosign', '--key-file', w1File, '-'], otherLog);
    const one = await policyFile('one.json', policy(1));
    const refused = await bin(['checkpoint', 'verify', '-', '--policy', one], foreign.stdout);
    expect(refused.code).toBe(5);
    expect(refused.stdout).toContain(
      'log_signature: invalid\ncosignatures: 1/1 (alpha)\nverification_status: FAILED\n',
    );
  });

  it('refuses a bad policy, a bare checkpoint body and a missing key file before verifying anything', async () => {
    const bad = await policyFile('bad.json', { ...(policy(1) as object), quorum: 3 });
    const refused = await bin(['checkpoint', 'verify', '-', '--policy', bad, '--json'], checkpoint);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toEqual({
      error: { code: 'PROOF_BAD_POLICY', message: 'policy: quorum: 3 is more than the 2 witnesses named' },
    });

    const w1File = await keyFile('w1-bare.key', w1);
    const body = checkpoint.slice(0, checkpoint.indexOf('\n\n') + 1);
    expect((await bin(['witness', 'cosign', '--key-file', w1File, '-'], body)).code).toBe(2);
    expect((await bin(['witness', 'cosign', '--key-file', join(dir, 'absent.key'), '-'], checkpoint)).code).toBe(1);
    expect((await bin(['witness', 'cosign', '--key-file', w1File, '-', '--time', '-5'], checkpoint)).code).toBe(2);
  });
});
