import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateSigningKey } from '../src/index';
import { writeProofBundle } from '../src/node/index';
import { buildSealedRun, sampleStepContent } from './proof-fixtures';

const run = promisify(execFile);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binPath = join(packageDir, 'dist', 'bin.js');
const key = generateSigningKey('aos.test');
let dir: string;

/** Runs the built bin; resolves with its exit code and output whatever the code. */
async function aosProof(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [binPath, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

// `pnpm test` builds every package first. Rebuilding here would empty dist/ (tsup cleans it)
// under the other test files that spawn this binary at the same time.
beforeAll(async () => {
  if (!existsSync(binPath)) throw new Error(`missing build output ${binPath}: run \`pnpm build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'aos-proof-bin-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the built aos-proof binary', () => {
  it('starts with a node shebang', async () => {
    expect((await readFile(binPath, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('exits 0 for a good bundle, 5 once a byte of a step changes, 2 for a bad key', async () => {
    const text = JSON.stringify(buildSealedRun({ key, contents: [0, 1].map(sampleStepContent) }).bundle);
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    await writeFile(good, text);
    const at = text.indexOf('"hello 0"') + 2;
    await writeFile(bad, `${text.slice(0, at)}j${text.slice(at + 1)}`);

    const ok = await aosProof(['verify', good, '--key', key.verifierKey]);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toContain('verification_status: VERIFIED\n');

    const failed = await aosProof(['verify', bad, '--key', key.verifierKey, '--json']);
    expect(failed.code).toBe(5);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      verification_status: 'FAILED',
      failure_reason: 'step 0: leaf_hash does not match its contents',
    });

    const usage = await aosProof(['verify', good, '--key', 'garbage']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: verifier key "garbage"/);
  });

  it('verifies a streamed bundle file, and names the step whose line was edited', async () => {
    const { steps, ...header } = buildSealedRun({ key, contents: [0, 1, 2].map(sampleStepContent) }).bundle;
    const streamed = join(dir, 'streamed.json');
    await writeProofBundle(header, steps, streamed);
    const ok = await aosProof(['verify', streamed, '--key', key.verifierKey, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ verification_status: 'VERIFIED', chain_length: 3 });

    const text = await readFile(streamed, 'utf8');
    const forged = join(dir, 'streamed-forged.json');
    await writeFile(forged, text.replace('"hello 2"', '"hellO 2"'));
    const failed = await aosProof(['verify', forged, '--key', key.verifierKey, '--json']);
    expect(failed.code).toBe(5);
    expect(JSON.parse(failed.stdout)).toMatchObject({ first_divergent_step: 2 });
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
    expect((await aosProof(['--version'])).stdout.trim()).toBe(pkg.version);
  });
});

describe('the built library, shared by several processes', () => {
  it('gives processes racing to create the key file the same key', async () => {
    const home = join(dir, 'race-home');
    const script =
      `import { loadSigningKey } from ${JSON.stringify(pathToFileURL(join(packageDir, 'dist', 'node', 'index.js')).href)};\n` +
      `const key = await loadSigningKey({ env: { AOS_HOME: ${JSON.stringify(home)} } });\n` +
      'process.stdout.write(key.verifierKey);\n';
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () => run(process.execPath, ['--input-type=module', '-e', script])),
    );
    const keys = new Set(outputs.map((output) => output.stdout));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^aos\.local\+[0-9a-f]{8}\+/);
  });
});
