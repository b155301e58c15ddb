import { sql } from 'kysely';
import { aosOver, type Aos } from '../aos/aos';
import type { AosConfig } from '../aos/aos-config';
import { getMigrationStatus } from '../db/migrator';
import type { ApiKeyScope } from '../db/schema';
import { AosError } from '../errors';
import { runQueueInstalled } from '../queue/run-queue';
import { startRunWorker, type RunWorker, type RunWorkerDeps } from '../queue/run-worker';
import { openRuntime } from '../runtime';
import { parseWitnessTargets, startLogSequencer, type LogSequencer } from '../tenant-log/log-service';
import { authenticateApiKey, type ApiKeyPrincipal } from '../tenants/api-key-store';

/**
 * What `aos-server` is built on: the customer facade (called with the tenant of the caller's
 * key, never one the caller names), key authentication, and the checks a deployment makes of
 * its own database before it serves.
 */
export interface AosService {
  readonly aos: Aos;
  /**
   * Who a presented API key speaks for: UNAUTHENTICATED when it is missing, invalid or revoked,
   * FORBIDDEN when its tenant is suspended or it lacks `scope`.
   */
  authenticate(presented: string | undefined, scope?: ApiKeyScope): Promise<ApiKeyPrincipal>;
  /** Resolves when the database answers and its schema is current; throws (with why) otherwise. */
  ready(): Promise<void>;
  /** The database role the service works as (for logs and messages). */
  readonly role: string;
  /** The tenant-log sequencer of this process (SPEC §13): active, or standby behind another. */
  readonly sequencer: LogSequencer;
  /** This process's run worker (`workers` > 0), or null when other processes execute runs. */
  readonly worker: RunWorker | null;
  /**
   * Stops the worker (each attempt in progress finishes its current step and releases its run
   * for the next worker), then the sequencer (releasing its lock), then closes the store.
   */
  close(): Promise<void>;
}

/** What the service's database role may not be, and what to do instead (docs/deploy.md, "Roles"). */
interface RoleFacts {
  readonly role: string;
  readonly superuser: boolean;
  readonly bypassRls: boolean;
  readonly ownedTables: number;
  /** Whether the role may work as aos_app, which every tenant's work does. */
  readonly appMember: boolean;
  /** Whether the role may work the run queue (graphile-worker's schema), which workers do. */
  readonly workerMember: boolean;
}

function refuseRole(facts: RoleFacts, workers: number): void {
  const fix = 'connect as a login role granted aos_app (int-cli db roles; docs/deploy.md, "Roles")';
  if (facts.superuser) {
    throw new AosError(
      'CONFIG_INVALID',
      `database role ${facts.role} is a superuser, which bypasses row-level security: ${fix}`,
    );
  }
  if (facts.bypassRls) {
    throw new AosError('CONFIG_INVALID', `database role ${facts.role} has BYPASSRLS: ${fix}`);
  }
  if (facts.ownedTables > 0) {
    throw new AosError(
      'CONFIG_INVALID',
      `database role ${facts.role} owns ${facts.ownedTables} of the AOS tables (an owner bypasses row-level security and may change the schema): ${fix}`,
    );
  }
  if (!facts.appMember) {
    throw new AosError('CONFIG_INVALID', `database role ${facts.role} is not granted aos_app: ${fix}`);
  }
  if (workers > 0 && !facts.workerMember) {
    throw new AosError(
      'CONFIG_INVALID',
      `database role ${facts.role} is not granted aos_worker, which executing runs here needs: GRANT aos_worker TO ${facts.role}, or start with --workers 0 and run int-cli worker elsewhere (docs/deploy.md, "Workers")`,
    );
  }
}

/**
 * Opens AOS as a deployment serves it: a Postgres server only (the embedded database belongs to
 * one process), never as a superuser, a BYPASSRLS role or the tables' owner, without applying
 * migrations (the service's role may not change the schema) and only on a current schema.
 *
 * @example
 * ```ts
 * const service = await openService({ env: process.env })
 * const { tenantId } = await service.authenticate(bearerToken, 'runs:read')
 * const { runs, next_cursor } = await service.aos.runs.list({ tenantId, limit: 20 })
 * ```
 */
export async function openService(
  config: AosConfig,
  options: {
    /** Told when the sequencer fails a round (it retries); the server logs it. */
    readonly onSequencerError?: ((message: string) => void) | undefined;
    /** Runs this process executes at once (SPEC §14); 0: none, other processes run `int-cli worker`. */
    readonly workers?: number | undefined;
    /** Told about each run attempt this process's worker finished, and each recovery pass. */
    readonly onAttempt?: RunWorkerDeps['onAttempt'];
    readonly onRecovery?: RunWorkerDeps['onRecovery'];
    /** graphile-worker's warnings and errors. */
    readonly onWorkerLog?: ((level: string, message: string) => void) | undefined;
  } = {},
): Promise<AosService> {
  const url = config.databaseUrl ?? (config.env.DATABASE_URL || undefined);
  if (url === undefined) {
    throw new AosError(
      'CONFIG_INVALID',
      'the service needs a Postgres server: set DATABASE_URL (the embedded database serves one local process only)',
    );
  }
  const workers = options.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0) {
    throw new AosError('CONFIG_INVALID', `workers must be a whole number ≥ 0, got ${workers}`);
  }
  // Every job in flight holds a connection while it works; requests need theirs too.
  const runtime = await openRuntime({ env: config.env, databaseUrl: url, migrate: false, poolSize: 10 + workers });
  const store = runtime.store;
  try {
    const facts = await sql<RoleFacts>`
      SELECT session_user AS role, r.rolsuper AS superuser, r.rolbypassrls AS "bypassRls",
             (SELECT count(*)::int FROM pg_tables t
               WHERE t.schemaname = current_schema()
                 AND t.tablename IN ('runs', 'aos_traces', 'aos_trace_steps', 'api_keys')
                 AND pg_has_role(session_user, t.tableowner, 'USAGE')) AS "ownedTables",
             EXISTS (SELECT 1 FROM pg_roles a WHERE a.rolname = 'aos_app'
                       AND pg_has_role(session_user, a.oid, 'MEMBER')) AS "appMember",
             EXISTS (SELECT 1 FROM pg_roles w WHERE w.rolname = 'aos_worker'
                       AND pg_has_role(session_user, w.oid, 'USAGE')) AS "workerMember"
        FROM pg_roles r WHERE r.rolname = session_user`.execute(store.admin);
    const row = facts.rows[0];
    if (!row) throw new AosError('CONFIG_INVALID', 'the database role the service connects as could not be read');
    refuseRole(row, workers);
    const ready = async (): Promise<void> => {
      const pending = (await getMigrationStatus(store.db)).filter((m) => m.executedAt === null).map((m) => m.name);
      if (pending.length > 0) {
        throw new AosError(
          'MIGRATION_FAILED',
          `the database schema is not current (pending: ${pending.join(', ')}): run int-cli migrate as the owner role`,
        );
      }
      if (!(await runQueueInstalled(store.admin))) {
        throw new AosError(
          'MIGRATION_FAILED',
          'the run queue (graphile-worker) is not installed: run int-cli migrate as the owner role',
        );
      }
    };
    await ready();
    const witnesses = parseWitnessTargets(config.env.AOS_WITNESSES);
    const sequencer = startLogSequencer({
      store,
      signer: () => runtime.signer(),
      trustedKeys: async () => (await runtime.keySet()).keys,
      witnesses,
      onError: options.onSequencerError,
    });
    // A worker does not wait for the log: its seal wakes the sequencer (here, or the active
    // one elsewhere polls), and clients that want the receipt wait for it themselves.
    let worker: RunWorker | null = null;
    if (workers > 0) {
      worker = await startRunWorker(
        {
          store,
          registry: runtime.registry,
          env: runtime.env,
          signer: () => runtime.signer(),
          afterSeal: () => {
            sequencer.poke();
            return Promise.resolve();
          },
          onAttempt: options.onAttempt,
          onRecovery: options.onRecovery,
        },
        { connectionString: url, concurrency: workers, log: options.onWorkerLog },
      ).catch(async (error: unknown) => {
        await sequencer.stop();
        throw error;
      });
    }
    return {
      // Runs are created with their job (SPEC §14); a run executed through the facade here is
      // done once its seal is in the log (or the wait is over).
      aos: aosOver(runtime, { afterSeal: () => sequencer.settle(), queueRuns: true }),
      sequencer,
      worker,
      // As aos_app with no tenant: tenants and key hashes are readable, last_used_at writable.
      authenticate: (presented, scope) => authenticateApiKey(store.db, presented, scope),
      ready,
      role: row.role,
      close: async () => {
        await worker?.stop();
        await sequencer.stop();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
