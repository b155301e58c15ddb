import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { openDatabase, type AosDatabase, type Database } from '@aos/core/testing';
import { createThrowawayDatabase, type ThrowawayDatabase } from './server-postgres';

export const TEST_DRIVERS = ['embedded', 'server'] as const;
export type TestDriver = (typeof TEST_DRIVERS)[number];

/** A fresh migrated database of one driver, for one test file or describe block. */
export interface TestDatabase {
  readonly driver: TestDriver;
  /** Environment that points AOS (CLIs, child processes) at this database. */
  readonly env: Record<string, string>;
  /** AOS_HOME of this database (always set: signing keys live there for both drivers). */
  readonly home: string;
  /** Server URL, or undefined for the embedded driver. */
  readonly url: string | undefined;
  /** Opens (once) and returns the store; reuse it across tests. */
  store(): Promise<AosDatabase>;
  /**
   * The store's admin handle, `(await store()).admin`: the test server's and PGlite's superuser,
   * so fixtures are written (and read) across tenants, bypassing row-level security.
   */
  db(): Promise<Kysely<Database>>;
  /** The store's handle for one tenant (`aos_app`, under the tenant policies), as the facade uses it. */
  tenantDb(tenantId: string): Promise<Kysely<Database>>;
  /** Closes the store so another process (or an in-process CLI) may open the embedded directory. */
  release(): Promise<void>;
  /** Runs `fn` as the database superuser (the admin handle) with every trigger disabled (for tamper tests). */
  tamper<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Closes and removes everything. */
  destroy(): Promise<void>;
}

/** Creates a migrated database of `driver`: a copy of the embedded template, or a throwaway server database. */
export async function createTestDatabase(driver: TestDriver): Promise<TestDatabase> {
  const home = mkdtempSync(join(tmpdir(), 'aos-test-home-'));
  let server: ThrowawayDatabase | undefined;
  if (driver === 'embedded') {
    cpSync(inject('aosEmbeddedTemplate'), join(home, 'pgdata'), { recursive: true });
  } else {
    server = await createThrowawayDatabase();
  }
  const env: Record<string, string> = { AOS_HOME: home, ...(server ? { DATABASE_URL: server.url } : {}) };
  let open: Promise<AosDatabase> | undefined;
  const store = (): Promise<AosDatabase> => {
    open ??= openDatabase({ env, url: server?.url, poolSize: 12 });
    return open;
  };
  const release = async (): Promise<void> => {
    const current = open;
    open = undefined;
    if (current) await (await current).close();
  };
  return {
    driver,
    env,
    home,
    url: server?.url,
    store,
    db: async () => (await store()).admin,
    tenantDb: async (tenantId) => (await store()).forTenant(tenantId),
    release,
    tamper: async (fn) =>
      (await store()).admin.transaction().execute(async (trx) => {
        await sql`SET LOCAL session_replication_role = replica`.execute(trx);
        return fn(trx);
      }),
    destroy: async () => {
      await release();
      await server?.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Declares the suite `body` once per driver: embedded always, server when one answers
 * (reported as skipped otherwise; CI sets AOS_TEST_REQUIRE_SERVER=1 so it can't be).
 * Each driver gets its own fresh database, destroyed after the block.
 *
 * @example
 * ```ts
 * describeEachDriver('agents', (t) => {
 *   it('inserts', async () => { await (await t.db()).insertInto('agents')... })
 * })
 * ```
 */
export function describeEachDriver(title: string, body: (t: TestDatabase) => void): void {
  for (const driver of TEST_DRIVERS) {
    const available = driver === 'embedded' || inject('aosServerAvailable');
    describe.skipIf(!available)(`${title} [${driver}]`, () => {
      let current: TestDatabase | undefined;
      const ensure = async (): Promise<TestDatabase> => {
        current ??= await createTestDatabase(driver);
        return current;
      };
      const lazy: TestDatabase = {
        driver,
        get env() {
          return must(current).env;
        },
        get home() {
          return must(current).home;
        },
        get url() {
          return must(current).url;
        },
        store: async () => (await ensure()).store(),
        db: async () => (await ensure()).db(),
        tenantDb: async (tenantId) => (await ensure()).tenantDb(tenantId),
        release: async () => (await ensure()).release(),
        tamper: async (fn) => (await ensure()).tamper(fn),
        destroy: async () => current?.destroy(),
      };
      // env/home/url need the database to exist: create it before any test runs.
      beforeAll(async () => {
        await ensure();
      });
      afterAll(async () => {
        await current?.destroy();
      });
      body(lazy);
    });
  }
}

function must(db: TestDatabase | undefined): TestDatabase {
  if (!db) throw new Error('test database not created yet: use it inside a test or hook');
  return db;
}
