import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@aos/testkit';

describe.skipIf(!inject('aosServerAvailable'))('server driver prepared statements', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('server');
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('prepares a repeated parameterised statement once per connection and caps distinct names', async () => {
    const db = await t.db();
    const counts = await db.connection().execute(async (conn) => {
      const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(conn);
      for (let i = 0; i < 5; i += 1) {
        const row = await sql<{ v: number }>`SELECT ${i}::int + 1 AS v`.execute(conn);
        expect(row.rows[0]?.v).toBe(i + 1);
      }
      const afterRepeats = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(
        conn,
      );
      // 300 distinct texts: the first ones are named, the rest still run (unnamed).
      for (let i = 0; i < 300; i += 1) {
        const row = await sql<{ v: number }>`SELECT ${i}::int AS ${sql.ref(`v${i}`)}`.execute(conn);
        expect(Object.values(row.rows[0] ?? {})[0]).toBe(i);
      }
      const afterMany = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(conn);
      const base = before.rows[0]?.n ?? -1;
      return { afterRepeats: (afterRepeats.rows[0]?.n ?? -1) - base, afterMany: afterMany.rows[0]?.n ?? -1 };
    });
    // One name for the five repeats (plus the count query itself, which has no parameter).
    expect(counts.afterRepeats).toBe(1);
    expect(counts.afterMany).toBeGreaterThan(1);
    expect(counts.afterMany).toBeLessThanOrEqual(256);
  });
});
