import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { generateSigningKey } from '../src/index';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binPath = join(packageDir, 'dist', 'bin.js');
const key = generateSigningKey('aos.test');
const LIMIT = bufferConstants.MAX_STRING_LENGTH;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Bytes the child took from the generator before it stopped reading. */
  written: number;
}

/**
 * Runs the built bin with stdin from `/dev/zero`, or from a generator that writes `head` and
 * then `filler` bytes without a newline until the child stops reading (at most `cap` bytes).
 */
function aosProof(args: string[], stdin: 'dev-zero' | { head: string; cap: number }): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const zero = stdin === 'dev-zero' ? openSync('/dev/zero', 'r') : undefined;
    const child = spawn(process.execPath, [binPath, ...args], { stdio: [zero ?? 'pipe', 'pipe', 'pipe'] });
    if (zero !== undefined) closeSync(zero);
    let stdout = '';
    let stderr = '';
    let written = 0;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    if (stdin !== 'dev-zero' && child.stdin !== null) {
      const sink = child.stdin;
      const filler = Buffer.alloc(1 << 20, 'a');
      let stopped = false;
      // The child closing its end (EPIPE) is how a generator learns it stopped reading.
      sink.on('error', () => (stopped = true));
      sink.write(stdin.head);
      const pump = (): void => {
        while (!stopped && written < stdin.cap) {
          written += filler.length;
          if (!sink.write(filler)) return void sink.once('drain', pump);
        }
        sink.end();
      };
      pump();
    }
    // A reader that is not bounded would never stop: end it rather than leave it running.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolvePromise({ code, signal, stdout, stderr, written });
    });
  });
}

beforeAll(() => {
  if (!existsSync(binPath)) throw new Error(`missing build output ${binPath}: run \`pnpm build\` first`);
});

describe('aos-proof reading stdin is bounded like reading a file', () => {
  it('ends at once with exit 2 and one line when stdin is /dev/zero', { timeout: 30_000 }, async () => {
    for (const command of ['verify', 'verify-step']) {
      const result = await aosProof([command, '-', '--key', key.verifierKey], 'dev-zero');
      expect(result).toMatchObject({ code: 2, signal: null, stdout: '' });
      expect(result.stderr).toBe('error: stdin is not JSON: a NUL byte at byte 0\n');
    }
  });

  it('stops reading an endless line at the length bound, for verify - and verify-step -, with one JSON error', async () => {
    // Without the bound the child reads all of `cap` (and then says it is not JSON). The two
    // commands run side by side: each reads some 512 MiB before it stops.
    const cap = 2 * LIMIT;
    const results = await Promise.all([
      aosProof(['verify', '-', '--key', key.verifierKey, '--json'], {
        head: '{"format":"aos.proof-bundle.v1","run":"',
        cap,
      }),
      aosProof(['verify-step', '-', '--key', key.verifierKey, '--json'], { head: '{"envelope":"', cap }),
    ]);
    for (const result of results) {
      expect(result).toMatchObject({ code: 2, signal: null, stderr: '' });
      expect(JSON.parse(result.stdout)).toEqual({
        error: { code: 'PROOF_BAD_INPUT', message: `stdin is longer than ${LIMIT} bytes` },
      });
      expect(result.written).toBeLessThan(LIMIT + (64 << 20));
    }
  }, 30_000);
});
