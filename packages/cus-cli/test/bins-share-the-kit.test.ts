import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorJsonSchema } from '@aos/proof/cli-kit/schemas';
import { spawnNode } from '@aos/testkit';
import { BUILT, requireBuilt } from './cli-harness';

// The three bins run on one kit (@aos/proof/cli-kit): the same kind of bad flag gets the same
// treatment from each. Built binaries are spawned: cus-cli never imports the other two.
const scratch = mkdtempSync(join(tmpdir(), 'bins-kit-'));
const env = { AOS_HOME: join(scratch, 'home'), NO_COLOR: '1', DATABASE_URL: '' };
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const BINS = [
  { bin: 'cus-cli', path: BUILT.cusCli, args: ['list-skills'], code: 'USAGE' },
  { bin: 'int-cli', path: BUILT.intCli, args: ['list-skills'], code: 'USAGE' },
  { bin: 'aos-proof', path: BUILT.aosProof, args: ['verify', 'bundle.json', '--key', 'k'], code: 'PROOF_USAGE' },
] as const;

async function spawn(path: string, args: readonly string[]) {
  const child = spawnNode([path, ...args], { env });
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

describe('every bin reports an unknown flag the kit’s way', () => {
  beforeAll(() => requireBuilt(...BINS.map((b) => b.path)));

  it.each(BINS)('$bin: exit 2 and one {"error":{…}} document with --json', async ({ bin, path, args, code }) => {
    const result = await spawn(path, [...args, '--bogus', '--json']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toBe('');
    expect(ErrorJsonSchema.parse(JSON.parse(result.stdout))).toEqual({
      error: { code, message: `Unknown argument: bogus (see ${bin} ${args[0]} --help)` },
    });
  });

  it.each(BINS)('$bin: exit 2 and one line on stderr without it', async ({ bin, path, args }) => {
    const result = await spawn(path, [...args, '--bogus']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: Unknown argument: bogus (see ${bin} ${args[0]} --help)\n`,
    });
  });
});
