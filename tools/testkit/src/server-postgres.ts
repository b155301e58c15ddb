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
