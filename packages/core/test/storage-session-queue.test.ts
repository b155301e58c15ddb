import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeEachDriver, type TestDatabase } from '@aos/testkit';

// The embedded driver (packages/core/src/db/pglite-driver.ts) lends PGlite's one session to one
// holder at a time; these behaviours must read the same on the server driver.
describeEachDriver('store sessions', (t) => {
  afterAll(async () => {
    await t.destroy();
  });

  it('keeps a query started beside an open transaction out of it', async () => {
    const store = await t.store();
    await sql`CREATE TABLE IF NOT EXISTS queue_probe (n int)`.execute(store.admin);
    const order: string[] = [];
    let outside: Promise<number | undefined> | undefined;
    await store.admin.transaction().execute(async (trx) => {
      await sql`INSERT INTO queue_probe VALUES (1)`.execute(trx);
      outside = sql<{ n: number }>`SELECT count(*)::int AS n FROM queue_probe`.execute(store.admin).then((r) => {
        order.push('outside');
        return r.rows[0]?.n;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await sql`INSERT INTO queue_probe VALUES (2)`.execute(trx);
      order.push('commit');
    });
    // Never the transaction's uncommitted half: the one embedded session waits for the commit,
    // a server connection of its own reads what was committed before.
    if (t.driver === 'embedded') {
      expect(await outside).toBe(2);
      expect(order).toEqual(['commit', 'outside']);
    } else {
      expect(await outside).toBe(0);
    }
  });

  it('rolls back to a savepoint and keeps the rest of the transaction', async () => {
    const store = await t.store();
    await sql`CREATE TABLE IF NOT EXISTS savepoint_probe (n int)`.execute(store.admin);
    const trx = await store.admin.startTransaction().execute();
    await sql`INSERT INTO savepoint_probe VALUES (1)`.execute(trx);
    const point = await trx.savepoint('before_two').execute();
    await sql`INSERT INTO savepoint_probe VALUES (2)`.execute(point);
    const back = await point.rollbackToSavepoint('before_two').execute();
    await sql`INSERT INTO savepoint_probe VALUES (3)`.execute(back);
    await back.commit().execute();
    const rows = await sql<{ n: number }>`SELECT n FROM savepoint_probe ORDER BY n`.execute(store.admin);
    expect(rows.rows.map((r) => r.n)).toEqual([1, 3]);
  });

  it('counts the rows an UPDATE changed, and none for a SELECT', async () => {
    const store = await t.store();
    await sql`CREATE TABLE IF NOT EXISTS count_probe (n int)`.execute(store.admin);
    await sql`INSERT INTO count_probe VALUES (1), (2), (3)`.execute(store.admin);
    const update = await sql`UPDATE count_probe SET n = n + 10 WHERE n > 1`.execute(store.admin);
    expect(update.numAffectedRows).toBe(2n);
    const select = await sql`SELECT n FROM count_probe`.execute(store.admin);
    expect(select.numAffectedRows).toBeUndefined();
  });
});

describe('embedded store', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('embedded');
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('streams rows in chunks', async () => {
    const store = await t.store();
    const seen: number[] = [];
    const series = sql<{ n: number }>`(SELECT generate_series(1, 5) AS n)`.as('s');
    for await (const row of store.admin.selectFrom(series).select('n').stream(2)) seen.push(row.n);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses queries once closed instead of leaving them waiting', async () => {
    const store = await t.store();
    await store.close();
    await expect(sql`SELECT 1`.execute(store.admin)).rejects.toThrow(/closed/);
  });
});
