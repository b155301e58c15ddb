import createCoreTables from 'aos-migrations:0001_create_core_tables.sql';
import addImmutabilityTriggers from 'aos-migrations:0002_add_immutability_triggers.sql';
import createBudgetReservations from 'aos-migrations:0003_create_budget_reservations.sql';
import sealTraceV3 from 'aos-migrations:0004_seal_trace_v3.sql';
import createTenantSecrets from 'aos-migrations:0005_create_tenant_secrets.sql';
import createTenantsApiKeys from 'aos-migrations:0006_create_tenants_api_keys.sql';
import enableRowLevelSecurity from 'aos-migrations:0007_enable_row_level_security.sql';
import createTenantLogs from 'aos-migrations:0008_create_tenant_logs.sql';
import runLeases from 'aos-migrations:0009_run_leases.sql';
import runQueue from 'aos-migrations:0010_run_queue.sql';
import agentArchive from 'aos-migrations:0011_agent_archive.sql';

// `aos-migrations:<file>` names a file of the repository's migrations/ folder. The build (tsup.config.ts)
// and the tests (vitest.config.ts) resolve it and embed the file as text, so the SQL travels inside
// @aos/core's bundle and no source file reaches outside the package by a relative path.

/** One numbered SQL migration from the repository's `migrations/` folder. */
export interface MigrationSource {
  /** File name without `.sql`, e.g. `0001_create_core_tables`; migrations run in this order. */
  readonly name: string;
  readonly sql: string;
}

/**
 * Every migration, in order. A test checks this list against the files in `migrations/`,
 * so a new file that is not listed here fails the suite.
 */
export const MIGRATIONS: readonly MigrationSource[] = [
  { name: '0001_create_core_tables', sql: createCoreTables },
  { name: '0002_add_immutability_triggers', sql: addImmutabilityTriggers },
  { name: '0003_create_budget_reservations', sql: createBudgetReservations },
  { name: '0004_seal_trace_v3', sql: sealTraceV3 },
  { name: '0005_create_tenant_secrets', sql: createTenantSecrets },
  { name: '0006_create_tenants_api_keys', sql: createTenantsApiKeys },
  { name: '0007_enable_row_level_security', sql: enableRowLevelSecurity },
  { name: '0008_create_tenant_logs', sql: createTenantLogs },
  { name: '0009_run_leases', sql: runLeases },
  { name: '0010_run_queue', sql: runQueue },
  { name: '0011_agent_archive', sql: agentArchive },
];
