import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';
import { splitSqlStatements } from './sql-splitter';

/** The database roles of SPEC §3.1a and §14, in the order {@link ROLES_SQL} creates them. */
export const AOS_ROLES = ['aos_owner', 'aos_app', 'aos_audit', 'aos_worker'] as const;
/** One of {@link AOS_ROLES}. */
export type AosRole = (typeof AOS_ROLES)[number];

// Roles are cluster-wide, so two databases migrating at once (parallel tests, two deployments
// on one server) race to create them: the loser sees duplicate_object, or unique_violation when
// both passed the catalog check together. Either way the role exists, which is all we need.
function createRole(role: AosRole, attributes: string): string {
  return `DO $$
BEGIN
  CREATE ROLE ${role} ${attributes};
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;`;
}

/**
 * The SQL that creates the roles of SPEC §3.1a, each only when it is missing, so it can run any
 * number of times: `aos_owner` owns the schema and runs migrations, `aos_app` is what the server,
 * workers and local CLIs work as, `aos_audit` reads everything, `aos_worker` works the run queue (graphile-worker's
 * schema, SPEC §14). None of them logs in: an operator
 * grants them to login roles (docs/int-cli.md, "Roles"). Their privileges come with the
 * migration that enables row-level security, since they name tables.
 */
export const ROLES_SQL = [
  '-- AOS database roles (SPEC §3.1a). Idempotent: run it as a role that may create roles.',
  createRole('aos_owner', 'NOLOGIN NOSUPERUSER NOBYPASSRLS'),
  createRole('aos_app', 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'),
  createRole('aos_audit', 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'),
  createRole('aos_worker', 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'),
  '',
].join('\n');

/** What {@link ensureRoles} found and did. */
export interface EnsureRolesResult {
  /** Roles that did not exist before and were created now. */
  readonly created: readonly AosRole[];
  /** Roles that existed already. */
  readonly existing: readonly AosRole[];
}

async function presentRoles(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await sql<{ rolname: string }>`
    SELECT rolname FROM pg_roles WHERE rolname IN (${sql.join([...AOS_ROLES])})`.execute(db);
  return new Set(rows.rows.map((r) => r.rolname));
}

/**
 * Applies {@link ROLES_SQL} through `db` (which must work as a role that may create roles) and
 * reports which roles it created.
 *
 * @example
 * ```ts
 * const { created } = await ensureRoles(store.admin) // [] the second time
 * ```
 */
export async function ensureRoles(db: Kysely<Database>): Promise<EnsureRolesResult> {
  const before = await presentRoles(db);
  if (before.size < AOS_ROLES.length) {
    for (const statement of splitSqlStatements(ROLES_SQL)) await sql.raw(statement).execute(db);
  }
  return {
    created: AOS_ROLES.filter((r) => !before.has(r)),
    existing: AOS_ROLES.filter((r) => before.has(r)),
  };
}

/** Whether `db` works as a superuser (PGlite always does), which may create the roles itself. */
export async function isSuperuser(db: Kysely<Database>): Promise<boolean> {
  const rows = await sql<{ superuser: boolean }>`
    SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`.execute(db);
  return rows.rows[0]?.superuser === true;
}
