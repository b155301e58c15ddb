import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCliHarness, query, type CliResult, type TestDatabase } from '@aos/testkit';
import { main } from '../src/main';

export { bufferIo, query, requireBuilt, type CliResult } from '@aos/testkit';

const harness = createCliHarness(main);

/** `cus-cli <args>` in-process with exactly the given env. */
export const runCli = harness.runCli;

/** The config directory of a test database's CLI calls (saved checkpoints, profiles): inside its AOS_HOME, never ~/.config. */
export const configHomeOf = (t: TestDatabase): string => join(t.home, 'config');

/** `cus-cli <args>` in-process against a test database, its config directory under the database's AOS_HOME. */
export const cliOn = (t: TestDatabase, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  harness.cliOn(t, args, { XDG_CONFIG_HOME: configHomeOf(t), ...extraEnv });

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
  // Spawned only, as an operator would run it next to the customer's CLI (never imported).
  intCli: here('../../int-cli/dist/bin.js'),
} as const;
