import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { AosError } from '../errors';
import { MIGRATIONS, type MigrationSource } from './migration-sources';
import { ensureRoles, isSuperuser } from './roles';
import type { Database } from './schema';
import { splitSqlStatements } from './sql-splitter';

const MIGRATION_TABLE = 'aos_migrations';
const MIGRATION_LOCK_TABLE = 'aos_migrations_lock';

/** What happened to one migration during {@link migrateToLatest}. */
export interface MigrationOutcome {
  readonly name: string;
  readonly status: 'applied' | 'already-applied' | 'failed' | 'not-run';
}

/** Result of {@link migrateToLatest}: every migration with what happened to it. */
export interface MigrateResult {
  readonly outcomes: readonly MigrationOutcome[];
  readonly applied: readonly string[];
}

/** A migration and when it ran, as reported by {@link getMigrationStatus}. */
export interface MigrationStatus {
  readonly name: string;
  readonly executedAt: Date | null;
}

function providerFor(sources: readonly MigrationSource[]): MigrationProvider {
  return {
    getMigrations() {
      const migrations: Record<string, Migration> = {};
      for (const source of sources) {
        const statements = splitSqlStatements(source.sql);
        migrations[source.name] = {
          async up(db: Kysely<unknown>) {
            for (const statement of statements) await sql.raw(statement).execute(db);
          },
        };
      }
      return Promise.resolve(migrations);
    },
  };
}

function migratorFor(db: Kysely<Database>, sources: readonly MigrationSource[]): Migrator {
  return new Migrator({
    db,
    provider: providerFor(sources),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

/**
 * Applies every pending migration, in order, in one transaction: a failure leaves the
 * database exactly as it was. Running it again is a no-op. `db` should be the store's admin
 * handle; working as a superuser, it first creates the roles of SPEC §3.1a when they are missing.
 *
 * @example
 * ```ts
 * const { applied } = await migrateToLatest(db)
 * ```
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  sources: readonly MigrationSource[] = MIGRATIONS,
): Promise<MigrateResult> {
  // Every open checks migrations: answer "all applied" with one read instead of the
  // migrator's lock-and-compare (≈ 250 ms on the embedded driver).
  const applied = await appliedMigrationNames(db);
  if (applied !== null && sources.every((m) => applied.has(m.name)) && applied.size === sources.length) {
    return { outcomes: sources.map((m) => ({ name: m.name, status: 'already-applied' })), applied: [] };
  }
  // A superuser store (embedded always, a test server's `postgres`) creates the roles the
  // migrations grant to; any other role needs `int-cli db roles` run once by one that may.
  if (await isSuperuser(db)) await ensureRoles(db);
  const migrator = migratorFor(db, sources);
  const before = await migrator.getMigrations();
  const { error, results } = await migrator.migrateToLatest();
  const byName = new Map((results ?? []).map((r) => [r.migrationName, r.status]));
  const outcomes: MigrationOutcome[] = before.map((m) => {
    if (m.executedAt) return { name: m.name, status: 'already-applied' };
    const status = byName.get(m.name);
    if (status === 'Success') return { name: m.name, status: error ? 'not-run' : 'applied' };
    if (status === 'Error') return { name: m.name, status: 'failed' };
    return { name: m.name, status: 'not-run' };
  });
  if (error) {
    const failed = outcomes.find((o) => o.status === 'failed')?.name ?? 'unknown';
    const reason = error instanceof Error ? error.message : JSON.stringify(error);
    throw new AosError('MIGRATION_FAILED', `migration ${failed} failed: ${reason}; nothing was applied`, {
      cause: error,
    });
  }
  return { outcomes, applied: outcomes.filter((o) => o.status === 'applied').map((o) => o.name) };
}

/** Names recorded as applied, or null when the migration table does not exist yet. */
async function appliedMigrationNames(db: Kysely<Database>): Promise<Set<string> | null> {
  const exists = await sql<{ present: boolean }>`SELECT to_regclass(${MIGRATION_TABLE}) IS NOT NULL AS present`.execute(
    db,
  );
  if (!exists.rows[0]?.present) return null;
  const rows = await sql<{ name: string }>`SELECT name FROM ${sql.table(MIGRATION_TABLE)}`.execute(db);
  return new Set(rows.rows.map((r) => r.name));
}

/**
 * Lists every known migration and when it was applied (`executedAt: null` when pending).
 *
 * @example
 * ```ts
 * for (const m of await getMigrationStatus(db)) console.log(m.name, m.executedAt)
 * ```
 */
export async function getMigrationStatus(
  db: Kysely<Database>,
  sources: readonly MigrationSource[] = MIGRATIONS,
): Promise<MigrationStatus[]> {
  const infos = await migratorFor(db, sources).getMigrations();
  return infos.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
}
