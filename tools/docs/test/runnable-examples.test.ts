import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Every fenced block of docs/*.md whose info string is `sh runnable` is run as written, with
// bash, against the BUILT bins (`pnpm test` builds first): `cus-cli`, `int-cli` and `aos-proof`
// on PATH, a fresh AOS_HOME and the embedded database, no DATABASE_URL. A block is one session
// (its lines share variables); it must exit 0. An example that stops working fails here.

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = join(REPO, 'docs');
const BINS = {
  'cus-cli': 'packages/cus-cli/dist/bin.js',
  'int-cli': 'packages/int-cli/dist/bin.js',
  'aos-proof': 'packages/proof/dist/bin.js',
} as const;
const FENCE = /^```sh runnable\n([\s\S]*?)^```$/gm;

interface Example {
  readonly file: string;
  readonly line: number;
  readonly script: string;
}

function runnableExamples(): Example[] {
  const examples: Example[] = [];
  for (const file of readdirSync(DOCS).filter((name) => name.endsWith('.md'))) {
    const text = readFileSync(join(DOCS, file), 'utf8');
    for (const match of text.matchAll(FENCE)) {
      const line = text.slice(0, match.index).split('\n').length;
      examples.push({ file, line, script: match[1] ?? '' });
    }
  }
  return examples;
}

const scratch = mkdtempSync(join(tmpdir(), 'aos-docs-examples-'));
const binDir = join(scratch, 'bin');
mkdirSync(binDir, { recursive: true });
for (const [name, path] of Object.entries(BINS)) {
  const shim = join(binDir, name);
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(REPO, path)}" "$@"\n`, { flag: 'w' });
  chmodSync(shim, 0o755);
}
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const examples = runnableExamples();

/** `bash -euo pipefail -c script`, asynchronously so that examples run side by side. */
function runBash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 220_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('runnable examples in docs/*.md', () => {
  it('there are runnable examples of each bin', () => {
    const all = examples.map((e) => e.script).join('\n');
    for (const bin of Object.keys(BINS)) expect(all, bin).toContain(bin);
  });

  it.concurrent.each(examples.map((e) => [`${e.file}:${e.line}`, e] as const))(
    '%s runs as written',
    async (_where, example) => {
      const home = mkdtempSync(join(scratch, 'home-'));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${binDir}:${process.env.PATH ?? ''}`,
        AOS_HOME: home,
        NO_COLOR: '1',
      };
      delete env.DATABASE_URL;
      delete env.AOS_SIGNING_KEY;
      const result = await runBash(example.script, home, env);
      expect(
        result.status,
        `${example.file}:${example.line} exited ${result.status}\n${result.stdout}\n${result.stderr}`,
      ).toBe(0);
    },
    // Each command is a fresh process on the embedded database; the first creates it.
    240_000,
  );
});
