import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  adminQuery,
  createSkillContext,
  createThrowawayDatabase,
  describeEachDriver,
  type ThrowawayDatabase,
} from '@aos/testkit';
import type { Database } from '../src/db/schema';
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

function query(input: unknown, env: SkillEnv, options: { db?: Kysely<Database>; timeoutMs?: number } = {}) {
  return postgresQuerySkill.execute(
    postgresQuerySkill.inputSchema.parse(input),
    createSkillContext({ env, timeoutMs: options.timeoutMs ?? 10_000, ...(options.db ? { db: options.db } : {}) }),
  );
}

/** `url` with another user, and optionally another host (`/…` for a Unix socket directory). */
function withLogin(url: string, user: string, host?: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  if (host !== undefined) parsed.hostname = host.startsWith('/') ? encodeURIComponent(host) : host;
  return parsed.toString();
}

describe('postgres_query configuration', () => {
  it('is not_configured without AOS_QUERY_DATABASE_URL', async () => {
    const error = await failure(query({ sql: 'SELECT 1' }, {}));
    expect(error).toMatchObject({ category: 'not_configured', retryable: false });
    expect(error.message).toBe('postgres_query is not configured: set AOS_QUERY_DATABASE_URL');
  });

  it('caps max_rows at 1000 in the schema', () => {
    expect(() => postgresQuerySkill.inputSchema.parse({ sql: 'SELECT 1', max_rows: 1001 })).toThrow();
  });
});

describe.skipIf(!inject('aosServerAvailable'))('postgres_query against a throwaway server database', () => {
  // Roles are cluster-wide: every name carries this suffix, and all are dropped afterwards.
  const suffix = randomBytes(4).toString('hex');
  const reader = `aos_pgq_reader_${suffix}`;
  const execGroup = `aos_pgq_exec_group_${suffix}`;
  const execMember = `aos_pgq_exec_member_${suffix}`;
  const DANGEROUS = [
    'pg_execute_server_program',
    'pg_read_server_files',
    'pg_write_server_files',
    'pg_signal_backend',
  ] as const;
  const directMember = (role: string) => `aos_pgq_${role.replace(/^pg_/, '')}_${suffix}`;
  const roles = [reader, execMember, execGroup, ...DANGEROUS.map(directMember)];
  let target: ThrowawayDatabase;
  let locked: ThrowawayDatabase;
  let env: SkillEnv;

  beforeAll(async () => {
    target = await createThrowawayDatabase('aos_query');
    locked = await createThrowawayDatabase('aos_query_locked');
    await adminQuery(
      `CREATE ROLE ${reader} LOGIN;
       CREATE ROLE ${execGroup} NOLOGIN;
       GRANT pg_execute_server_program TO ${execGroup};
       CREATE ROLE ${execMember} LOGIN IN ROLE ${execGroup};
       ${DANGEROUS.map((role) => `CREATE ROLE ${directMember(role)} LOGIN IN ROLE ${role};`).join('\n')}`,
    );
    await adminQuery(
      `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, big bigint, created timestamptz, raw bytea);
       INSERT INTO items SELECT g, 'item ' || g, g::bigint * 10000000000, '2026-02-09 18:12:00.986+00', '\\x0102'
       FROM generate_series(1, 30) g;
       GRANT SELECT ON items TO ${reader};`,
      target.url,
    );
    // An operator may revoke it; function privileges are per database, so only this one is affected.
    await adminQuery('REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC', locked.url);
    env = { AOS_QUERY_DATABASE_URL: withLogin(target.url, reader) };
  });
  afterAll(async () => {
    await target?.drop();
    await locked?.drop();
    await adminQuery(roles.map((role) => `DROP ROLE IF EXISTS ${role};`).join('\n'));
  });

  describeEachDriver('postgres_query', (t) => {
    const run = async (input: unknown, runEnv: SkillEnv = env, timeoutMs?: number) =>
      query(input, runEnv, { db: await t.db(), ...(timeoutMs === undefined ? {} : { timeoutMs }) });

    it('runs a parameterised SELECT on a database that is not the store and returns JSON rows', async () => {
      const result = await run({ sql: 'SELECT id, name, big, created, raw FROM items WHERE id = $1', params: [2] });
      expect(result.outcomeCode).toBe('OK');
      expect(result.output).toEqual({
        rows: [{ id: 2, name: 'item 2', big: 20000000000, created: '2026-02-09 18:12:00.986+00', raw: '\\x0102' }],
        columns: ['id', 'name', 'big', 'created', 'raw'],
        row_count: 1,
        truncated: false,
      });
    });

    it('caps the rows and says the answer was cut', async () => {
      const result = await run({ sql: '-- all of them\nSELECT id FROM items ORDER BY id;', max_rows: 10 });
      expect(result.output.row_count).toBe(10);
      expect(result.output.truncated).toBe(true);
      expect((result.output.rows as { id: number }[]).map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(result.outcomeCode).toBe('ROWS_TRUNCATED');
    });

    it('returns count(*) as a number', async () => {
      const result = await run({ sql: 'WITH x AS (SELECT * FROM items) SELECT count(*) AS n FROM x' });
      expect(result.output.rows).toEqual([{ n: 30 }]);
    });

    it.each([
      ['INSERT', "INSERT INTO items (id, name) VALUES (100, 'no')"],
      ['CREATE', 'CREATE TABLE sneaky (a int)'],
      ['UPDATE', "UPDATE items SET name = 'x'"],
      ['a data-modifying CTE', 'WITH d AS (DELETE FROM items RETURNING id) SELECT count(*) FROM d'],
    ])('refuses %s with a read-only error', async (_name, sql) => {
      const error = await failure(run({ sql }));
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/read-only|data-modifying/);
      const count = await adminQuery('SELECT count(*)::int AS n FROM items', target.url);
      expect(count.rows[0]).toEqual({ n: 30 });
    });

    it('cannot escape the transaction with a second statement', async () => {
      const error = await failure(run({ sql: 'COMMIT; CREATE TABLE escaped (a int)' }));
      expect(error.retryable).toBe(false);
      const tables = await adminQuery(
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'escaped'",
        target.url,
      );
      expect(tables.rows[0]).toEqual({ n: 0 });
    });

    it('cancels a statement that runs past the statement timeout', async () => {
      const started = Date.now();
      const error = await failure(
        run({ sql: 'SELECT pg_sleep(3)' }, { ...env, AOS_QUERY_STATEMENT_TIMEOUT_MS: '200' }),
      );
      expect(error).toMatchObject({ category: 'timeout', retryable: true, outcomeCode: 'STATEMENT_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(2500);
    });

    it('never lets the statement outlive the attempt', async () => {
      const error = await failure(run({ sql: 'SELECT pg_sleep(3)' }, env, 300));
      expect(error.category).toBe('timeout');
    });

    it('reports SQL errors with their SQLSTATE, not retryable', async () => {
      const error = await failure(run({ sql: 'SELECT nope FROM items' }));
      expect(error).toMatchObject({ category: 'backend', retryable: false, outcomeCode: 'SQLSTATE_42703' });
    });

    describe('refuses a role that can reach the server’s programs, files or sessions', () => {
      const marker = () => join(tmpdir(), `aos-pgq-copy-${randomBytes(6).toString('hex')}`);

      it.each([
        ['a superuser URL', () => 'postgres', /role "postgres" of AOS_QUERY_DATABASE_URL: it is a superuser/],
        [
          'a role that is a member of pg_execute_server_program through another role',
          () => execMember,
          new RegExp(`role "${execMember}" .*: it is a member of pg_execute_server_program \\(directly or through`),
        ],
      ])('COPY … TO PROGRAM never runs with %s', async (_name, login, message) => {
        const file = marker();
        try {
          const error = await failure(
            run(
              { sql: `COPY (SELECT 1) TO PROGRAM 'touch ${file}'` },
              { AOS_QUERY_DATABASE_URL: withLogin(target.url, login()) },
            ),
          );
          expect(error).toMatchObject({ category: 'policy', retryable: false, outcomeCode: 'QUERY_ROLE_TOO_POWERFUL' });
          expect(error.message).toMatch(message);
          expect(existsSync(file)).toBe(false);
        } finally {
          rmSync(file, { force: true });
        }
      });

      it.each(DANGEROUS)('a direct member of %s is refused before any statement', async (role) => {
        const login = directMember(role);
        const error = await failure(
          run({ sql: 'SELECT 1 AS one' }, { AOS_QUERY_DATABASE_URL: withLogin(target.url, login) }),
        );
        expect(error).toMatchObject({ category: 'policy', retryable: false, outcomeCode: 'QUERY_ROLE_TOO_POWERFUL' });
        expect(error.message).toBe(
          `postgres_query refuses role "${login}" of AOS_QUERY_DATABASE_URL: it is a member of ${role} (directly or through another role); connect with a role that can only read`,
        );
      });

      it('a connection whose role cannot call pg_control_system() is not used (fail closed)', async () => {
        const error = await failure(
          run({ sql: 'SELECT 1 AS one' }, { AOS_QUERY_DATABASE_URL: withLogin(locked.url, reader) }),
        );
        expect(error).toMatchObject({ category: 'policy', retryable: false, outcomeCode: 'QUERY_TARGET_UNVERIFIED' });
        expect(error.message).toMatch(/pg_control_system/);
      });
    });

    if (t.driver === 'server') {
      describe('refuses the AOS store itself, whatever the URL says', () => {
        const storeVia = (host?: string) => withLogin(t.url as string, reader, host);
        const socketDirectory = async (): Promise<string> => {
          const { rows } = await adminQuery('SHOW unix_socket_directories');
          const first = String((rows[0] as { unix_socket_directories: string }).unix_socket_directories)
            .split(',')[0]
            ?.trim();
          if (!first) throw new Error('the test server listens on no Unix socket');
          return first;
        };

        it.each([
          ['localhost', () => storeVia('localhost')],
          ['127.0.0.1', () => storeVia('127.0.0.1')],
          ['its Unix socket', async () => storeVia(await socketDirectory())],
          [
            'a postgresql:// URL with connection parameters',
            () => `${storeVia('localhost').replace(/^postgres:/, 'postgresql:')}?sslmode=disable&application_name=x`,
          ],
        ])('the store reached through %s', async (_name, url) => {
          const error = await failure(run({ sql: 'SELECT 1 AS one' }, { AOS_QUERY_DATABASE_URL: await url() }));
          expect(error).toMatchObject({ category: 'policy', retryable: false, outcomeCode: 'QUERY_TARGETS_STORE' });
          expect(error.message).toMatch(/it reaches the AOS store itself \(database "aos_test_/);
        });
      });
    }
  });
});
