import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../src/cli/main';
import { createStepInclusionProof, generateSigningKey, merkleTreeHash, verifyProofBundle } from '../src/index';
import { captureIo } from './cli-io-capture';
import { buildSealedRun, buildTenantLog, sampleStepContent } from './proof-fixtures';

const key = generateSigningKey('aos.test');
const run = buildSealedRun({ key, contents: [0, 1, 2].map(sampleStepContent) });
const bundleText = JSON.stringify(run.bundle, null, 2);
let dir: string;
let bundleFile: string;
let tamperedFile: string;
let stepProofFile: string;
let stepProofText: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aos-proof-cli-'));
  bundleFile = join(dir, 'bundle.json');
  tamperedFile = join(dir, 'tampered.json');
  stepProofFile = join(dir, 'step.json');
  await writeFile(bundleFile, bundleText);
  // One byte of step 1's stored content changes.
  const at = bundleText.indexOf('"hello 1"') + 2;
  await writeFile(tamperedFile, `${bundleText.slice(0, at)}j${bundleText.slice(at + 1)}`);
  const proof = createStepInclusionProof({
    step: run.steps[1]!,
    leafHashes: run.leafHashes,
    checkpoint: run.bundle.trace.checkpoint!,
    verifierKeyName: key.name,
  });
  stepProofText = JSON.stringify(proof);
  await writeFile(stepProofFile, stepProofText);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('aos-proof verify', () => {
  it('exits 0 and prints the verification lines for a good bundle', async () => {
    const io = captureIo();
    expect(await main(['verify', bundleFile, '--key', key.verifierKey], io)).toBe(0);
    expect(io.out()).toBe(
      [
        'verification_status: VERIFIED',
        'chain_length: 3',
        `root_hash: ${run.bundle.trace.root_hash}`,
        `merkle_root: ${run.bundle.trace.merkle_root}`,
        'signature_valid: true',
        'log_index: 1',
        'log_size: 3',
        `log_root: ${merkleTreeHash(buildTenantLog(run.bundle, key).leafHashes)}`,
        '',
      ].join('\n'),
    );
    expect(io.err()).toBe('');
  });

  it('exits 5 naming the step when one byte of a step was edited', async () => {
    const io = captureIo();
    expect(await main(['verify', tamperedFile, '--key', key.verifierKey], io)).toBe(5);
    expect(io.out()).toContain('verification_status: FAILED\n');
    expect(io.out()).toContain('first_divergent_step: 1\n');
    expect(io.out()).toContain('failure_reason: step 1: leaf_hash does not match its contents\n');
  });

  it('prints exactly one JSON document with --json', async () => {
    const io = captureIo();
    expect(await main(['verify', tamperedFile, '--key', key.verifierKey, '--json'], io)).toBe(5);
    const document: unknown = JSON.parse(io.out());
    expect(document).toMatchObject({ verification_status: 'FAILED', first_divergent_step: 1 });
    expect(io.err()).toBe('');
  });

  it('reads the bundle from stdin with -', async () => {
    const io = captureIo(bundleText);
    expect(await main(['verify', '-', '--key', key.verifierKey, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual(verifyProofBundle(run.bundle, { trustedKeys: [key.verifierKey] }));
  });

  it('exits 5 when the bundle was signed by a key that is not trusted', async () => {
    const io = captureIo();
    const other = generateSigningKey('aos.test');
    expect(await main(['verify', bundleFile, '--key', other.verifierKey], io)).toBe(5);
    expect(io.out()).toContain('signature_valid: false\n');
  });

  it.each([
    ['a malformed key', ['verify', 'x.json', '--key', 'not-a-key'], 'PROOF_BAD_KEY'],
    ['no file argument', ['verify', '--key', 'k'], 'PROOF_USAGE'],
    ['no --key', ['verify', 'x.json'], 'PROOF_USAGE'],
    ['an unknown flag', ['verify', 'x.json', '--key', 'k', '--fast'], 'PROOF_USAGE'],
    ['an unknown command', ['check', 'x.json'], 'PROOF_USAGE'],
  ])('exits 2 for %s, one line on stderr or one JSON error', async (_name, argv, code) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(/^error: [^\n]+\n$/);
    const jsonIo = captureIo();
    expect(await main([...argv, '--json'], jsonIo)).toBe(2);
    expect(JSON.parse(jsonIo.out())).toEqual({ error: { code, message: expect.any(String) } });
    expect(jsonIo.err()).toBe('');
  });

  it('exits 2 naming the file when it is not JSON', async () => {
    const notJson = join(dir, 'not.json');
    await writeFile(notJson, '{ nope');
    const io = captureIo();
    expect(await main(['verify', notJson, '--key', key.verifierKey], io)).toBe(2);
    expect(io.err()).toContain(`error: ${notJson} is not JSON`);
  });

  it('exits 1 when the file cannot be read', async () => {
    const io = captureIo();
    expect(await main(['verify', join(dir, 'missing.json'), '--key', key.verifierKey, '--json'], io)).toBe(1);
    expect(JSON.parse(io.out())).toMatchObject({ error: { code: 'PROOF_IO' } });
  });
});

describe('aos-proof verify-step', () => {
  it('exits 0 for a good step proof and 5 for an edited one', async () => {
    const io = captureIo();
    expect(await main(['verify-step', stepProofFile, '--key', key.verifierKey], io)).toBe(0);
    expect(io.out()).toContain('verification_status: VERIFIED\nindex: 2\ntree_size: 5\n');

    const edited = captureIo(stepProofText.replace('"status":"success"', '"status":"failure"'));
    expect(await main(['verify-step', '-', '--key', key.verifierKey, '--json'], edited)).toBe(5);
    expect(JSON.parse(edited.out())).toMatchObject({
      verification_status: 'FAILED',
      failure_reason: 'leaf_hash does not match the envelope',
    });
  });
});

describe('aos-proof --help and --version', () => {
  it('prints help listing both commands and exits 0', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toContain('aos-proof verify <bundle>');
    expect(io.out()).toContain('aos-proof verify-step <proof>');
  });

  it('prints help for a command', async () => {
    const io = captureIo();
    expect(await main(['verify', '--help'], io)).toBe(0);
    expect(io.out()).toContain('--key');
  });

  it('prints the package version', async () => {
    const io = captureIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
