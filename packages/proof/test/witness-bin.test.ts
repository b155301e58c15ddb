import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateSigningKey, merkleTreeHash, sha256Hex, signCheckpoint, verifyCosignature } from '../src/index';

const run = promisify(execFile);
const binPath = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'dist', 'bin.js');
const logKey = generateSigningKey('aos.test');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aos-witness-bin-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('aos-proof witness (built bin)', () => {
  it('keygen writes a 0600 key once; serve cosigns over HTTP and stops on SIGTERM with exit 0', async () => {
    const keyFile = join(dir, 'witness.key');
    const { stdout } = await run(process.execPath, [
      binPath,
      'witness',
      'keygen',
      '--key-file',
      keyFile,
      '--name',
      'w.test',
    ]);
    const cosignerKey = stdout.trim();
    expect(cosignerKey).toMatch(/^w\.test\+[0-9a-f]{8}\+B[A-P]/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    await expect(
      run(process.execPath, [binPath, 'witness', 'keygen', '--key-file', keyFile, '--name', 'w.test']),
    ).rejects.toMatchObject({ code: 1 });

    const child = spawn(process.execPath, [
      binPath,
      'witness',
      'serve',
      '--key-file',
      keyFile,
      '--state',
      join(dir, 'state'),
      '--log-key',
      logKey.verifierKey,
    ]);
    let out = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match?.[1] !== undefined) resolveUrl(match[1]);
      });
      child.once('exit', () => reject(new Error(`witness exited early: ${out}`)));
    });
    expect(out).toContain(cosignerKey);
    const checkpoint = signCheckpoint(
      { origin: 'aos.test/tenants/acme', treeSize: 1, rootHash: merkleTreeHash([sha256Hex('leaf')]) },
      logKey,
    );
    const response = await fetch(`${url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${checkpoint}` });
    expect(response.status).toBe(200);
    expect(verifyCosignature(checkpoint + (await response.text()), cosignerKey).valid).toBe(true);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
