import { existsSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '@aos/core/testing';
import type { CliIo } from '@aos/proof/cli-kit';
import type { TestDatabase } from './test-databases';

/** A CLI's in-process entry point: the `main(argv, io)` that its `bin.ts` calls. */
export type CliMain = (argv: readonly string[], io: CliIo) => Promise<number>;

/** What one in-process CLI invocation printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one CLI in-process, on its own or against a test database (plain functions: destructure them). */
export interface CliHarness {
  /** Runs `<cli> <args>` in-process with exactly `env`. */
  readonly runCli: (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<CliResult>;
  /**
   * Runs `<cli> <args>` in-process against the test database. The test's own handle is closed
   * first: the embedded directory admits one holder, and the CLI opens it like a user would.
   */
  readonly cliOn: (t: TestDatabase, args: readonly string[], extraEnv?: NodeJS.ProcessEnv) => Promise<CliResult>;
}

/**
 * Binds `runCli` and `cliOn` to one CLI's `main`.
 *
 * @example
 * ```ts
 * export const { runCli, cliOn } = createCliHarness(main);
 * const result = await cliOn(t, ['list-agents', '--tenant-id', 'acme']);
 * ```
 */
export function createCliHarness(main: CliMain): CliHarness {
  const runCli = async (args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> => {
    const io = bufferIo(env);
    const code = await main(args, io);
    return { code, stdout: io.out(), stderr: io.err() };
  };
  const cliOn = async (
    t: TestDatabase,
    args: readonly string[],
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<CliResult> => {
    await t.release();
    return runCli(args, { ...t.env, ...extraEnv });
  };
  return { runCli, cliOn };
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

/** Reads from the test database, then lets go of it so the next CLI call can open it. */
export async function query<T>(t: TestDatabase, read: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  try {
    return await read(await t.db());
  } finally {
    await t.release();
  }
}

/** Throws a clear message when any of `paths` (build output a test spawns) is missing. */
export function requireBuilt(...paths: string[]): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`missing build output ${missing.join(', ')}: run \`pnpm build\` first`);
}
