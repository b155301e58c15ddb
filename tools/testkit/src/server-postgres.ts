import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The admin URL of the test Postgres server (trust auth on 127.0.0.1:5432 by default). */
export const SERVER_ADMIN_URL = process.env.AOS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** True when the test Postgres server answers within a second. */
export async function isServerReachable(adminUrl = SERVER_ADMIN_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one statement as the admin user of the test server. */
export async function adminQuery(text: string, adminUrl = SERVER_ADMIN_URL): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** A throwaway database on the test server; `drop` removes it. */
export interface ThrowawayDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name on the test server. */
export async function createThrowawayDatabase(prefix = 'aos_test'): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      // Let closing pools finish first; FORCE only ends what is left after that.
      for (let i = 0; i < 50; i += 1) {
        const open = await adminQuery(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${name}'`);
        if ((open.rows[0] as { n: number }).n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A login role of the test server, and a URL that connects to a database as it. */
export interface TestLoginRole {
  readonly role: string;
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates a login role on the test server (roles are cluster-wide, so the name is unique) with
 * `grants` run in `database` as the admin (`{role}` stands for the role's name), and returns the
 * database's URL as that role. Trust auth: no password.
 */
export async function createTestLoginRole(
  database: ThrowawayDatabase,
  options: { attributes?: string; grants?: readonly string[] } = {},
): Promise<TestLoginRole> {
  const role = `aos_role_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE ROLE ${role} LOGIN ${options.attributes ?? ''}`);
  for (const grant of options.grants ?? []) await adminQuery(grant.replaceAll('{role}', role), database.url);
  const url = new URL(database.url);
  url.username = role;
  return {
    role,
    url: url.toString(),
    drop: async () => {
      await adminQuery(`REASSIGN OWNED BY ${role} TO CURRENT_USER; DROP OWNED BY ${role}`, database.url).catch(
        () => undefined,
      );
      await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    },
  };
}

/**
 * What makes a login an application login (SPEC §3.1a): membership of `aos_app`, whose grants
 * and policies come with the migrations. Nothing else.
 */
export const APP_ROLE_GRANTS: readonly string[] = ['GRANT aos_app TO {role}', 'GRANT aos_worker TO {role}'];
