export { openDatabase, redactDatabaseUrl } from './database';
export type { AosDatabase, DatabaseDriver, OpenDatabaseOptions } from './database';
export type { LockHolder, LockWaitListener } from './embedded-lock';
export { getMigrationStatus, migrateToLatest } from './migrator';
export type { MigrateResult, MigrationOutcome, MigrationStatus } from './migrator';
export { MIGRATIONS } from './migration-sources';
export type { MigrationSource } from './migration-sources';
export * from './schema';
