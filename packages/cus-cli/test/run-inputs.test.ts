import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDriver, startHttpPeer, type HttpPeer, type TestDatabase } from '@aos/testkit';
import { main } from '../src/main';
import { bufferIo, cliOn, configHomeOf, countRows, createAgentViaCli, field } from './cli-harness';

/** `cus-cli <args>` in-process with `stdin` piped in; stderr lines carry the time they were written. */
async function cliWithStdin(
  t: TestDatabase,
  args: readonly string[],
  stdin: string | undefined,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string; lines: { at: number; text: string }[] }> {
  await t.release();
  const io = bufferIo({ ...t.env, XDG_CONFIG_HOME: configHomeOf(t), ...extraEnv });
  const lines: { at: number; text: string }[] = [];
  const stderr = {
    write: (text: string) => {
      for (const line of text.split('\n').filter((l) => l !== '')) lines.push({ at: Date.now(), text: line });
      return io.stderr.write(text);
    },
  };
  const input = stdin === undefined ? undefined : Readable.from([Buffer.from(stdin)]);
  const code = await main(args, { ...io, stderr, stdin: input });
  return { code, stdout: io.out(), stderr: io.err(), lines };
}

describeEachDriver('cus-cli run: goals from a file or stdin, one goal limit, planner settings', (t) => {
  const tenant = `tenant-${randomUUID()}`;
  const scratch = mkdtempSync(join(tmpdir(), 'cus-cli-goal-'));
  let agentId: string;
  beforeAll(async () => {
    agentId = await createAgentViaCli(t, ['--name', 'goals', '--tenant-id', tenant]);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const run = (more: string[]) => ['run', '-a', agentId, '--tenant-id', tenant, ...more];

  it('runs a goal read from a file and one read from stdin (-g -), one trailing newline dropped', async () => {
    const file = join(scratch, 'goal.txt');
    writeFileSync(file, `echo ${'from a file '.repeat(2000)}\n`);
    const fromFile = await cliOn(t, run(['--goal-file', file, '--json']));
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const filed = JSON.parse(fromFile.stdout) as { status: string; run: { goal: string } };
    expect(filed.status).toBe('succeeded');
    expect(filed.run.goal).toBe(`echo ${'from a file '.repeat(2000)}`);

    const fromStdin = await cliWithStdin(t, run(['-g', '-', '--json']), 'echo from stdin\n');
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    const piped = JSON.parse(fromStdin.stdout) as { status: string; run: { goal: string } };
    expect(piped.status).toBe('succeeded');
    expect(piped.run.goal).toBe('echo from stdin');
  });

  it('accepts a goal of exactly 64 KiB of UTF-8 and refuses one byte more, naming the limit, writing nothing', async () => {
    const atLimit = await cliWithStdin(t, run(['-g', '-']), 'é'.repeat(32 * 1024));
    expect(atLimit.code, atLimit.stderr).toBe(0);

    const before = await countRows(t);
    const file = join(scratch, 'long.txt');
    writeFileSync(file, 'x'.repeat(70_000));
    const fromFile = await cliOn(t, run(['--goal-file', file]));
    expect(fromFile.code).toBe(2);
    expect(fromFile.stdout).toBe('');
    expect(fromFile.stderr).toBe(
      `error: --goal-file: "${file}" is 70000 bytes; a goal is at most 65536 bytes (64 KiB)\n`,
    );
    const piped = await cliWithStdin(t, run(['-g', '-']), `${'é'.repeat(32 * 1024)}x`);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toBe('error: --goal: must be at most 65536 bytes (64 KiB) of UTF-8, got 65537\n');
    const flag = await cliOn(t, run(['-g', 'y'.repeat(65_537)]));
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe('error: --goal: must be at most 65536 bytes (64 KiB) of UTF-8, got 65537\n');
    expect(await countRows(t)).toEqual(before);
  });

  it('refuses a missing goal file, both goal flags or neither, with exit 2 and nothing written', async () => {
    const before = await countRows(t);
    const missing = join(scratch, 'no-such-goal.txt');
    const cases: [string[], string][] = [
      [['--goal-file', missing], `error: --goal-file: cannot read "${missing}": no such file\n`],
      [['-g', 'echo a', '--goal-file', missing], 'error: give exactly one of --goal (-g) and --goal-file\n'],
      [[], 'error: give exactly one of --goal (-g) and --goal-file\n'],
    ];
    for (const [more, message] of cases) {
      const result = await cliOn(t, run(more));
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toBe(message);
    }
    const noStdin = await cliOn(t, run(['-g', '-']));
    expect(noStdin.code).toBe(2);
    expect(noStdin.stderr).toMatch(/^error: --goal -: pipe the goal into stdin/);
    expect(await countRows(t)).toEqual(before);
  });

  it('a bad planner setting is a usage error naming the variable and its values, before any row is written', async () => {
    const before = await countRows(t);
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ AOS_PLANNER: 'gpt' }, 'error: AOS_PLANNER must be one of rules, llm, got "gpt"\n'],
      [
        { AOS_PLANNER: 'llm', AOS_LLM_BASE_URL: '' },
        'error: AOS_PLANNER=llm needs AOS_LLM_BASE_URL, an http(s) URL of an OpenAI-compatible API (it is not set); or set AOS_PLANNER to rules\n',
      ],
      [
        { AOS_PLANNER: 'llm', AOS_LLM_BASE_URL: 'ftp://models.example' },
        'error: AOS_PLANNER=llm needs AOS_LLM_BASE_URL, an http(s) URL of an OpenAI-compatible API (got "ftp://models.example"); or set AOS_PLANNER to rules\n',
      ],
    ];
    for (const [env, message] of cases) {
      const result = await cliOn(t, run(['-g', 'echo hi']), env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(message);
      const json = await cliOn(t, run(['-g', 'echo hi', '--json']), env);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
    }
    expect(await countRows(t)).toEqual(before);
  });
});

describeEachDriver('cus-cli run: the retry wait it prints is the wait it makes', (t) => {
  const tenant = `tenant-${randomUUID()}`;
  let agentId: string;
  let peer: HttpPeer;
  beforeAll(async () => {
    peer = await startHttpPeer({ routes: { 'GET /flaky': { status: 503, body: { error: 'busy' } } } });
    agentId = await createAgentViaCli(t, ['--name', 'retries', '--tenant-id', tenant]);
  });
  afterAll(() => peer.close());

  it('"Retrying the run in N s" is followed by the next attempt N s later (not the 60 s a worker waits)', async () => {
    const goal = `fetch ${peer.url}/flaky`;
    const result = await cliWithStdin(t, ['run', '-a', agentId, '-g', goal, '--tenant-id', tenant], undefined, {
      AOS_HTTP_ALLOW_HOSTS: peer.hostPort,
    });
    const retry = result.lines.find((l) => /^Retrying the run in \d+ s\.\.\.$/.test(l.text));
    const next = result.lines.find((l) => l.text === 'Attempt 2 of 3');
    expect(retry, result.stderr).toBeDefined();
    expect(next, result.stderr).toBeDefined();
    const printedMs = Number(/in (\d+) s/.exec(retry!.text)![1]) * 1000;
    expect(printedMs).toBe(5000);
    // The next attempt's first line comes right after the wait (claiming it takes a few ms).
    const waitedMs = next!.at - retry!.at;
    expect(waitedMs).toBeGreaterThanOrEqual(printedMs - 50);
    expect(waitedMs).toBeLessThan(printedMs + 1500);
    expect(field(result.stdout, 'Status')).toBe('failed');
  }, 60_000);
});
