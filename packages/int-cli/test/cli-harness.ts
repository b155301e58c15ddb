import { fileURLToPath } from 'node:url';
import type { Database } from '@aos/core/testing';
import { createCliHarness, query, type TestDatabase } from '@aos/testkit';
import { main } from '../src/main';

export { query, requireBuilt } from '@aos/testkit';

/** `int-cli <args>` in-process: with exactly the given env, or against a test database. */
export const { runCli, cliOn } = createCliHarness(main);

/** The test database's kysely instance (int-cli itself has no kysely dependency). */
export type TestDb = Awaited<ReturnType<TestDatabase['db']>>;

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

/** The built binary the child-process tests spawn (`pnpm build` makes it). */
export const BUILT_BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
