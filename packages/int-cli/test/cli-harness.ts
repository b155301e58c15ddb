import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliIo, Database } from '@aos/core';
import type { TestDatabase } from '@aos/testkit';
import { main } from '../src/main';

/** What one in-process `int-cli` invocation printed and returned. */
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

/** Runs `int-cli <args>` in-process with exactly `env`. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const io = bufferIo(env);
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/**
 * Runs `int-cli <args>` in-process against the test database. The test's own handle is closed
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

/** The test database's kysely instance (int-cli itself has no kysely dependency). */
export type TestDb = Awaited<ReturnType<TestDatabase['db']>>;

/** Reads from the test database, then lets go of it so the next CLI call can open it. */
export async function query<T>(t: TestDatabase, read: (db: TestDb) => Promise<T>): Promise<T> {
  try {
    return await read(await t.db());
  } finally {
    await t.release();
  }
}

/** Number of rows in `table`. */
export function countRows(t: TestDatabase, table: keyof Database): Promise<number> {
  return query(t, async (db) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  );
}

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

/** The built binary and fixtures the child-process tests spawn (`pnpm build` makes the binary). */
export const BUILT_BIN = here('../dist/bin.js');
export const CRASH_FIXTURE = here('./fixtures/crash-mid-run.mjs');

/** Throws a clear message when the packages have not been built. */
export function requireBuilt(): void {
  if (!existsSync(BUILT_BIN)) throw new Error(`missing build output ${BUILT_BIN}: run \`pnpm build\` first`);
}
