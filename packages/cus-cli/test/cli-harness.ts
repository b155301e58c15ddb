import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '@aos/core';
import type { TestDatabase } from '@aos/testkit';
import { main } from '../src/main';

/** What one in-process `cus-cli` invocation printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CliIo whose sinks are strings, with exactly the given environment. */
export function bufferIo(env: NodeJS.ProcessEnv): CliIo & { out(): string; err(): string } {
  let stdout = '';
  let stderr = '';
  return {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    out: () => stdout,
    err: () => stderr,
  };
}

/** Runs `cus-cli <args>` in-process with `env`. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const io = bufferIo(env);
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/**
 * Runs `cus-cli <args>` in-process against the test database. The test's own handle is closed
 * first: the embedded directory admits one holder, and the CLI opens it like a user would.
 */
export async function cliOn(
  t: TestDatabase,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  await t.release();
  return runCli(args, { ...t.env, ...extraEnv });
}

/** Reads from the test database, then lets go of it so the next CLI call can open it. */
export async function query<T>(
  t: TestDatabase,
  read: (db: Awaited<ReturnType<TestDatabase['db']>>) => Promise<T>,
): Promise<T> {
  try {
    return await read(await t.db());
  } finally {
    await t.release();
  }
}

/** Rows in the tables a refused command must not touch. */
export function countRows(t: TestDatabase): Promise<{ agents: number; runs: number; traces: number; steps: number }> {
  return query(t, async (db) => {
    const count = async (table: 'agents' | 'runs' | 'aos_traces' | 'aos_trace_steps') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      agents: await count('agents'),
      runs: await count('runs'),
      traces: await count('aos_traces'),
      steps: await count('aos_trace_steps'),
    };
  });
}

/** Creates an agent through the CLI and returns its id. */
export async function createAgentViaCli(t: TestDatabase, args: readonly string[]): Promise<string> {
  const result = await cliOn(t, ['create-agent', ...args]);
  const id = /^Created agent: ([0-9a-f-]{36})$/m.exec(result.stdout)?.[1];
  if (result.code !== 0 || id === undefined)
    throw new Error(`create-agent failed (${result.code}): ${result.stdout}${result.stderr}`);
  return id;
}

/** The value of a `name: value` line of human output. */
export function field(output: string, name: string): string | undefined {
  return new RegExp(`^${name}: (.*)$`, 'm').exec(output)?.[1];
}

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

/** The built binaries the child-process tests spawn (`pnpm build` makes them). */
export const BUILT = {
  cusCli: here('../dist/bin.js'),
  aosProof: here('../../proof/dist/bin.js'),
} as const;

/** Throws a clear message when the packages have not been built. */
export function requireBuilt(...paths: string[]): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`missing build output ${missing.join(', ')}: run \`pnpm build\` first`);
}
