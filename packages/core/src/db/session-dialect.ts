import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';

/**
 * Who a handle works as: `role` null is the session's own role (the login, or what its
 * `ALTER ROLE … SET role` names); `tenantId` '' is no tenant, under which every tenant policy
 * is false.
 */
export interface SessionSetting {
  readonly role: 'aos_app' | 'aos_audit' | null;
  readonly tenantId: string;
}

// What a fresh session is: its own role, no tenant (an unset `aos.tenant_id` reads as '').
const FRESH: SessionSetting = { role: null, tenantId: '' };
// After a failed switch nothing is known; this never equals a wanted setting.
const UNKNOWN: SessionSetting = { role: 'aos_app', tenantId: '\u0000unknown' };

const SWITCH = 'SELECT set_config($1, $2, false), set_config($3, $4, false)';

/**
 * One real kysely driver (one pg pool, or the one PGlite session) shared by every handle of a
 * store, which remembers what each session was last switched to. Hand-written because kysely has
 * no per-acquire hook that knows which handle acquires, and because the handles must share one
 * driver: the PGlite driver's queue is what keeps two handles' transactions apart on its single
 * session, so each handle building its own driver would interleave them.
 */
export class SharedSessions {
  readonly #driver: Driver;
  readonly #singleSession: boolean;
  // Per connection (pg), or the one session (PGlite), whose connection objects are per acquire.
  readonly #settings = new WeakMap<object, SessionSetting>();
  readonly #session = {};
  #init: Promise<void> | undefined;
  #destroy: Promise<void> | undefined;

  constructor(driver: Driver, options: { readonly singleSession: boolean }) {
    this.#driver = driver;
    this.#singleSession = options.singleSession;
  }

  get driver(): Driver {
    return this.#driver;
  }

  init(): Promise<void> {
    this.#init ??= this.#driver.init();
    return this.#init;
  }

  destroy(): Promise<void> {
    this.#destroy ??= this.#driver.destroy();
    return this.#destroy;
  }

  /**
   * Switches the session of `connection` to `wanted` unless it is there already: one statement
   * for aos_app or aos_audit, nothing at all when a handle is used again on the same session.
   */
  async apply(connection: DatabaseConnection, wanted: SessionSetting): Promise<void> {
    const key = this.#singleSession ? this.#session : connection;
    const current = this.#settings.get(key) ?? FRESH;
    if (current.role === wanted.role && current.tenantId === wanted.tenantId) return;
    this.#settings.set(key, UNKNOWN);
    if (wanted.role === null) {
      // RESET, not `SET ROLE NONE`: back to the role the login starts as, which an operator may
      // have set to aos_owner with ALTER ROLE … SET role (docs/int-cli.md, "Roles").
      if (current.role !== null) await connection.executeQuery(CompiledQuery.raw('RESET ROLE'));
      if (current.tenantId !== wanted.tenantId) {
        await connection.executeQuery(
          CompiledQuery.raw("SELECT set_config('aos.tenant_id', $1, false)", [wanted.tenantId]),
        );
      }
    } else {
      await connection.executeQuery(CompiledQuery.raw(SWITCH, ['role', wanted.role, 'aos.tenant_id', wanted.tenantId]));
    }
    this.#settings.set(key, wanted);
  }
}

class SessionDriver implements Driver {
  readonly #shared: SharedSessions;
  readonly #setting: SessionSetting;
  // Savepoints exactly when the real driver has them (kysely checks for the methods).
  readonly savepoint?: Driver['savepoint'];
  readonly rollbackToSavepoint?: Driver['rollbackToSavepoint'];
  readonly releaseSavepoint?: Driver['releaseSavepoint'];

  constructor(shared: SharedSessions, setting: SessionSetting) {
    this.#shared = shared;
    this.#setting = setting;
    const real = shared.driver;
    if (real.savepoint) this.savepoint = real.savepoint.bind(real);
    if (real.rollbackToSavepoint) this.rollbackToSavepoint = real.rollbackToSavepoint.bind(real);
    if (real.releaseSavepoint) this.releaseSavepoint = real.releaseSavepoint.bind(real);
  }

  init(): Promise<void> {
    return this.#shared.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#shared.driver.acquireConnection();
    try {
      await this.#shared.apply(connection, this.#setting);
    } catch (error) {
      await this.#shared.driver.releaseConnection(connection);
      throw error;
    }
    return connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#shared.driver.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#shared.driver.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#shared.driver.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#shared.driver.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.#shared.destroy();
  }
}

/** A Postgres dialect whose connections are switched to `setting` whenever they are acquired. */
export class SessionDialect implements Dialect {
  readonly #shared: SharedSessions;
  readonly #setting: SessionSetting;

  constructor(shared: SharedSessions, setting: SessionSetting) {
    this.#shared = shared;
    this.#setting = setting;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new SessionDriver(this.#shared, this.#setting);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
