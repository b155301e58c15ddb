import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminQuery, createSkillContext, createThrowawayDatabase, type ThrowawayDatabase } from '@aos/testkit';
import { postgresQuerySkill, SkillError, type SkillEnv } from '../src/skills/index';

async function failure(promise: Promise<unknown>): Promise<SkillError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SkillError);
    return error as SkillError;
  }
  throw new Error('expected the skill to fail');
}

function query(input: unknown, env: SkillEnv, timeoutMs = 10_000) {
  return postgresQuerySkill.execute(
    postgresQuerySkill.inputSchema.parse(input),
    createSkillContext({ env, timeoutMs }),
  );
}

describe('postgres_query configuration', () => {
  it('is not_configured without AOS_QUERY_DATABASE_URL', async () => {
    const error = await failure(query({ sql: 'SELECT 1' }, {}));
    expect(error).toMatchObject({ category: 'not_configured', retryable: false });
    expect(error.message).toBe('postgres_query is not configured: set AOS_QUERY_DATABASE_URL');
  });

  it('refuses a URL naming the AOS store', async () => {
    const url = 'postgres://aos@db.internal:5432/aos';
    const error = await failure(
      query({ sql: 'SELECT 1' }, { AOS_QUERY_DATABASE_URL: url, DATABASE_URL: 'postgres://other@db.internal/aos' }),
    );
    expect(error).toMatchObject({ category: 'policy', outcomeCode: 'QUERY_TARGETS_STORE' });
  });

  it('caps max_rows at 1000 in the schema', () => {
    expect(() => postgresQuerySkill.inputSchema.parse({ sql: 'SELECT 1', max_rows: 1001 })).toThrow();
  });
});

describe.skipIf(!inject('aosServerAvailable'))('postgres_query against a throwaway server database', () => {
  let target: ThrowawayDatabase;
  let env: SkillEnv;

  beforeAll(async () => {
    target = await createThrowawayDatabase('aos_query');
    await adminQuery(
      `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, big bigint, created timestamptz, raw bytea);
       INSERT INTO items SELECT g, 'item ' || g, g::bigint * 10000000000, '2026-02-09 18:12:00.986+00', '\\x0102'
       FROM generate_series(1, 30) g;`,
      target.url,
    );
    env = { AOS_QUERY_DATABASE_URL: target.url };
  });
  afterAll(async () => {
    await target?.drop();
  });

  it('runs a parameterised SELECT and returns JSON rows', async () => {
    const result = await query(
      { sql: 'SELECT id, name, big, created, raw FROM items WHERE id = $1', params: [2] },
      env,
    );
    expect(result.outcomeCode).toBe('OK');
    expect(result.output).toEqual({
      rows: [{ id: 2, name: 'item 2', big: 20000000000, created: '2026-02-09 18:12:00.986+00', raw: '\\x0102' }],
      columns: ['id', 'name', 'big', 'created', 'raw'],
      row_count: 1,
      truncated: false,
    });
  });

  it('caps the rows and says the answer was cut', async () => {
    const result = await query({ sql: '-- all of them\nSELECT id FROM items ORDER BY id;', max_rows: 10 }, env);
    expect(result.output.row_count).toBe(10);
    expect(result.output.truncated).toBe(true);
    expect((result.output.rows as { id: number }[]).map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.outcomeCode).toBe('ROWS_TRUNCATED');
  });

  it('returns count(*) as a number', async () => {
    const result = await query({ sql: 'WITH x AS (SELECT * FROM items) SELECT count(*) AS n FROM x' }, env);
    expect(result.output.rows).toEqual([{ n: 30 }]);
  });

  it.each([
    ['INSERT', "INSERT INTO items (id, name) VALUES (100, 'no')"],
    ['CREATE', 'CREATE TABLE sneaky (a int)'],
    ['UPDATE', "UPDATE items SET name = 'x'"],
    ['a data-modifying CTE', 'WITH d AS (DELETE FROM items RETURNING id) SELECT count(*) FROM d'],
  ])('refuses %s with a read-only error', async (_name, sql) => {
    const error = await failure(query({ sql }, env));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/read-only|data-modifying/);
    const count = await adminQuery('SELECT count(*)::int AS n FROM items', target.url);
    expect(count.rows[0]).toEqual({ n: 30 });
  });

  it('cannot escape the transaction with a second statement', async () => {
    const error = await failure(query({ sql: 'COMMIT; CREATE TABLE escaped (a int)' }, env));
    expect(error.retryable).toBe(false);
    const tables = await adminQuery("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'escaped'", target.url);
    expect(tables.rows[0]).toEqual({ n: 0 });
  });

  it('cancels a statement that runs past the statement timeout', async () => {
    const started = Date.now();
    const error = await failure(
      query({ sql: 'SELECT pg_sleep(3)' }, { ...env, AOS_QUERY_STATEMENT_TIMEOUT_MS: '200' }),
    );
    expect(error).toMatchObject({ category: 'timeout', retryable: true, outcomeCode: 'STATEMENT_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('never lets the statement outlive the attempt', async () => {
    const error = await failure(query({ sql: 'SELECT pg_sleep(3)' }, env, 300));
    expect(error.category).toBe('timeout');
  });

  it('reports SQL errors with their SQLSTATE, not retryable', async () => {
    const error = await failure(query({ sql: 'SELECT nope FROM items' }, env));
    expect(error).toMatchObject({ category: 'backend', retryable: false, outcomeCode: 'SQLSTATE_42703' });
  });
});
