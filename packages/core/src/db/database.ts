import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type Driver } from 'kysely';
import pg from 'pg';
import { resolveAosHome } from '@aos/proof/node';
import { AosError } from '../errors';
import { installRunQueue, runQueueInstalled } from '../queue/run-queue';
import { acquireEmbeddedLock, type EmbeddedLock, type LockWaitListener } from './embedded-lock';
import { embeddedOpenError } from './embedded-open-error';
import { migrateToLatest } from './migrator';
import { PGliteDriver } from './pglite-driver';
import { withPreparedStatements } from './prepared-statements';
import type { Database } from './schema';
import { serverConnectionString } from './server-url';
import { SessionDialect, SharedSessions, type SessionSetting } from './session-dialect';

const OID_INT8 = 20;
const OID_NUMERIC = 1700;
const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
/** Tenant handles kept for reuse; beyond this the oldest is dropped (they are cheap to rebuild). */
const MAX_TENANT_HANDLES = 256;

/**
 * Told once, before PGlite creates a new embedded data directory (initdb, a few seconds on first
 * use), so a command line can say why it is quiet; never on reopening an existing one.
 */
export type DatabaseCreateListener = (info: { readonly dataDir: string }) => void;

/** Which Postgres a {@link AosDatabase} talks to. */
export type DatabaseDriver = 'embedded' | 'server';

/** Options of {@link openDatabase}; everything is optional. */
export interface OpenDatabaseOptions {
  /** A Postgres server URL. Overrides `DATABASE_URL`. Without either, the embedded database is used. */
  readonly url?: string | undefined;
  /** Environment to read `DATABASE_URL`, `AOS_HOME` and `AOS_DB_LOCK_TIMEOUT_MS` from. */
  readonly env?: NodeJS.ProcessEnv;
  /** Embedded data directory; defaults to `<AOS_HOME>/pgdata`. */
  readonly dataDir?: string | undefined;
  /** How long a second process waits for the embedded directory's lock. */
  readonly lockTimeoutMs?: number | undefined;
  /** Told once when this process starts waiting for another one's lock. */
  readonly onLockWait?: LockWaitListener | undefined;
  /** Told once when the embedded directory is about to be created (not when it is reopened). */
  readonly onDatabaseCreate?: DatabaseCreateListener | undefined;
  /** Apply pending migrations on open (default true). */
  readonly migrate?: boolean | undefined;
  /** Connections in the server pool (default 10). */
  readonly poolSize?: number | undefined;
}

/**
 * An open AOS store: handles on one pool (or the one embedded session) that differ in who they
 * work as (SPEC §3.1a), plus what the store points at. Every handle switches the session it
 * acquires, so a transaction runs wholly as its handle's role and tenant.
 */
export interface AosDatabase {
  /**
   * As `aos_app` with no tenant: every tenant-scoped table reads empty (fail closed). Tenants and
   * API-key hashes are readable (a key is looked up before its tenant is known).
   */
  readonly db: Kysely<Database>;
  /** As `aos_app` for one tenant: its own rows, and the shared agents to read. */
  forTenant(tenantId: string): Kysely<Database>;
  /** As the login itself: migrations, roles, tenants, API keys, shared agents (operator work). */
  readonly admin: Kysely<Database>;
  /** As `aos_audit`: reads every tenant's rows and writes nothing (audit and recovery scans). */
  readonly audit: Kysely<Database>;
  readonly driver: DatabaseDriver;
  /** The embedded data directory, or the server URL without its password. */
  readonly location: string;
  close(): Promise<void>;
}

/** The handles of {@link AosDatabase} over one real driver; closing any of them closes it. */
function storeHandles(
  driver: Driver,
  singleSession: boolean,
): Pick<AosDatabase, 'db' | 'forTenant' | 'admin' | 'audit'> & { readonly destroy: () => Promise<void> } {
  const shared = new SharedSessions(driver, { singleSession });
  const handle = (setting: SessionSetting): Kysely<Database> =>
    new Kysely<Database>({ dialect: new SessionDialect(shared, setting) });
  const tenants = new Map<string, Kysely<Database>>();
  return {
    db: handle({ role: 'aos_app', tenantId: '' }),
    admin: handle({ role: null, tenantId: '' }),
    audit: handle({ role: 'aos_audit', tenantId: '' }),
    forTenant(tenantId) {
      // Not validated here: the use case validates it and says what is wrong; a non-string is
      // no tenant, which sees nothing.
      const key = typeof tenantId === 'string' ? tenantId : '';
      let db = tenants.get(key);
      if (db === undefined) {
        db = handle({ role: 'aos_app', tenantId: key });
        if (tenants.size >= MAX_TENANT_HANDLES) {
          const oldest = tenants.keys().next();
          if (!oldest.done) tenants.delete(oldest.value);
        }
        tenants.set(key, db);
      }
      return db;
    },
    destroy: () => shared.destroy(),
  };
}

function numberParser(value: string): number {
  return Number(value);
}

/** Describes a server URL without its password, for messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable database URL>';
  }
}

function resolveLockTimeout(options: OpenDatabaseOptions, env: NodeJS.ProcessEnv): number {
  if (options.lockTimeoutMs !== undefined) return options.lockTimeoutMs;
  const raw = env.AOS_DB_LOCK_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_LOCK_TIMEOUT_MS;
  const parsed = Number(raw);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new AosError(
      'CONFIG_INVALID',
      `AOS_DB_LOCK_TIMEOUT_MS must be a non-negative number of milliseconds, got "${raw}"`,
    );
  }
  return parsed;
}

async function openServer(url: string, options: OpenDatabaseOptions): Promise<AosDatabase> {
  // Same JS values as the embedded driver: int8 and numeric come back as numbers.
  const pool = new pg.Pool({
    connectionString: serverConnectionString(url),
    max: options.poolSize ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
        oid === OID_INT8 || oid === OID_NUMERIC
          ? numberParser
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle pooled connection that the server closes (restart, admin termination) is dropped
  // from the pool and replaced on next use; without a listener it would crash the process.
  pool.on('error', () => undefined);
  const handles = storeHandles(new PostgresDialect({ pool: withPreparedStatements(pool) }).createDriver(), false);
  try {
    await handles.admin.selectNoFrom((eb) => eb.lit(1).as('ok')).execute();
  } catch (error) {
    await handles.destroy();
    throw new AosError('DB_OPEN_FAILED', `cannot connect to ${redactDatabaseUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const { destroy, ...store } = handles;
  return { ...store, driver: 'server', location: redactDatabaseUrl(url), close: destroy };
}

// What a file-system refusal means for AOS_HOME, said without Node's error codes.
const DIR_PROBLEMS: Readonly<Record<string, string>> = {
  ENOTDIR: 'part of the path is a file, not a directory',
  EEXIST: 'a file is in the way',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
};

/** Creates the embedded data directory; a refusal is CONFIG_INVALID naming the directory and what to do. */
function createEmbeddedDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const problem = DIR_PROBLEMS[code] ?? (error as Error).message;
    throw new AosError(
      'CONFIG_INVALID',
      `cannot create the embedded database directory ${dataDir}: ${problem}; set AOS_HOME to a directory you can write, or DATABASE_URL to a Postgres server`,
      { cause: error },
    );
  }
}

async function openEmbedded(
  dataDir: string,
  options: OpenDatabaseOptions,
  env: NodeJS.ProcessEnv,
): Promise<AosDatabase> {
  createEmbeddedDir(dataDir);
  const lock: EmbeddedLock = await acquireEmbeddedLock(`${dataDir}.lock`, {
    timeoutMs: resolveLockTimeout(options, env),
    onWait: options.onLockWait,
  });
  let client: PGlite;
  try {
    // initdb writes PG_VERSION; without it (a new or half-created directory) PGlite creates it now.
    if (!existsSync(join(dataDir, 'PG_VERSION'))) options.onDatabaseCreate?.({ dataDir });
    client = new PGlite(dataDir, { parsers: { [OID_INT8]: numberParser, [OID_NUMERIC]: numberParser } });
    await client.waitReady;
  } catch (error) {
    lock.release();
    throw embeddedOpenError(dataDir, error);
  }
  const { destroy, ...handles } = storeHandles(new PGliteDriver(client), true);
  return {
    ...handles,
    driver: 'embedded',
    location: dataDir,
    async close() {
      try {
        await destroy();
      } finally {
        lock.release();
      }
    },
  };
}

/** Where {@link openDatabase} connects for a set of options, resolved without connecting. */
export type StoreTarget =
  | { readonly driver: 'server'; readonly url: string; readonly location: string }
  | { readonly driver: 'embedded'; readonly dataDir: string; readonly location: string };

/**
 * Resolves the store {@link openDatabase} would open — the server of `url` or `DATABASE_URL`,
 * else the embedded directory under `AOS_HOME` — without connecting, so a caller can say where
 * it will work before (or without) opening it. `location` is what an open store reports.
 *
 * @example
 * ```ts
 * resolveStoreTarget({ env: { AOS_HOME: '/srv/aos' } }) // { driver: 'embedded', dataDir: '/srv/aos/pgdata', … }
 * ```
 */
export function resolveStoreTarget(options: Pick<OpenDatabaseOptions, 'url' | 'env' | 'dataDir'> = {}): StoreTarget {
  const env = options.env ?? process.env;
  const url = options.url ?? (env.DATABASE_URL || undefined);
  if (url) return { driver: 'server', url, location: redactDatabaseUrl(url) };
  const dataDir = resolve(options.dataDir ?? join(resolveAosHome(env), 'pgdata'));
  return { driver: 'embedded', dataDir, location: dataDir };
}

/**
 * Opens the AOS store and applies pending migrations: a Postgres server when a URL is
 * given (or `DATABASE_URL` is set), otherwise embedded Postgres (PGlite) under
 * `AOS_HOME` (default `~/.aos`). Both return identical JS values for every column.
 *
 * @example
 * ```ts
 * const store = await openDatabase({ url: process.env.DATABASE_URL })
 * try {
 *   const agents = await store.forTenant('acme').selectFrom('agents').selectAll().execute()
 * } finally {
 *   await store.close()
 * }
 * ```
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<AosDatabase> {
  const env = options.env ?? process.env;
  const target = resolveStoreTarget(options);
  const store =
    target.driver === 'server'
      ? await openServer(target.url, options)
      : await openEmbedded(target.dataDir, options, env);
  if (options.migrate !== false) {
    try {
      // A server store is complete with its run queue (SPEC §14), which AOS's grants name.
      if (target.driver === 'server' && !(await runQueueInstalled(store.admin))) await installRunQueue(target.url);
      await migrateToLatest(store.admin);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}
