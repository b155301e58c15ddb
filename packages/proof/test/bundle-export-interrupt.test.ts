import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateSigningKey } from '../src/index';
import { verifyProofBundleFile, writeProofBundle } from '../src/node/index';
import { buildSealedRun, sampleStepContent } from './proof-fixtures';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const distIndex = join(packageDir, 'dist', 'node', 'index.js');
const key = generateSigningKey('aos.test');
const built = buildSealedRun({ key, contents: [0, 1, 2].map(sampleStepContent) });
let dir: string;

// An export whose step source blocks after the first step, as a slow database would: the
// partial file is open and half-written when the signal comes.
const CHILD_SCRIPT = `
import { readFileSync } from 'node:fs';
import { writeProofBundle } from ${JSON.stringify(pathToFileURL(distIndex).href)};
const [input, target] = process.argv.slice(2);
const { steps, ...header } = JSON.parse(readFileSync(input, 'utf8'));
async function* slowSteps() {
  yield steps[0];
  process.stdout.write('writing ' + process.pid + '\\n');
  await new Promise(() => setInterval(() => {}, 1000));
}
await writeProofBundle(header, slowSteps(), target);
`;

/**
 * Starts the export under `sh`, sends `signal` to the node process once it is writing, and
 * resolves with the exit status the shell saw and the files left in the target's folder.
 */
async function interruptExport(signal: NodeJS.Signals, name: string): Promise<{ status: string; left: string[] }> {
  const folder = join(dir, name);
  const script = join(dir, 'export-child.mjs');
  const input = join(dir, 'bundle-input.json');
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder);
  const shell = spawn(
    'sh',
    ['-c', '"$0" "$1" "$2" "$3"; echo "status $?"', process.execPath, script, input, join(folder, 'run.proof.json')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  shell.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<void>((done) => shell.on('close', () => done()));
  await new Promise<void>((ready, fail) => {
    shell.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const writing = /writing (\d+)\n/.exec(stdout);
      if (writing !== null && !stdout.includes('signalled')) {
        stdout += 'signalled';
        void readdir(folder).then((files) => {
          // The export is under way: only its partial file exists.
          expect(files).toEqual([expect.stringMatching(/^run\.proof\.json\.[0-9a-f]{8}\.partial$/)]);
          process.kill(Number(writing[1]), signal);
          ready();
        }, fail);
      }
    });
    shell.on('close', () => fail(new Error(`the export ended before it was interrupted: ${stdout} ${stderr}`)));
  });
  await closed;
  return { status: /status (\d+)/.exec(stdout)?.[1] ?? `none (${stderr})`, left: await readdir(folder) };
}

beforeAll(async () => {
  if (!existsSync(distIndex)) throw new Error(`missing build output ${distIndex}: run \`pnpm build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'aos-proof-export-'));
  await writeFile(join(dir, 'export-child.mjs'), CHILD_SCRIPT);
  await writeFile(join(dir, 'bundle-input.json'), JSON.stringify(built.bundle));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an interrupted bundle export', () => {
  it.each([
    ['SIGINT', '130'],
    ['SIGTERM', '143'],
  ] as const)('leaves no file behind on %s and ends by the signal (exit status %s)', async (signal, status) => {
    expect(await interruptExport(signal, signal)).toEqual({ status, left: [] });
  });
});

describe('an exported bundle file', () => {
  it('is readable and writable by its owner only, even over an older file or with umask 0', async () => {
    const target = join(dir, 'mode.proof.json');
    await writeFile(target, 'older', { mode: 0o644 });
    const listening = process.listenerCount('SIGINT');
    const umask = process.umask(0);
    try {
      const { steps, ...header } = built.bundle;
      await writeProofBundle(header, steps, target);
    } finally {
      process.umask(umask);
    }
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    // The signal listeners were there only while the file was being written.
    expect(process.listenerCount('SIGINT')).toBe(listening);
    expect(await verifyProofBundleFile(target, { trustedKeys: [key.verifierKey] })).toMatchObject({
      verification_status: 'VERIFIED',
    });
  });
});
