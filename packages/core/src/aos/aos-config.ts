import type { DatabaseCreateListener } from '../db/database';
import type { LockWaitListener } from '../db/embedded-lock';

/**
 * What opening AOS needs: the environment (AOS_HOME, DATABASE_URL, keys, skill settings) and,
 * optionally, a server URL that overrides DATABASE_URL. Without either URL the embedded
 * database under AOS_HOME is used.
 */
export interface AosConfig {
  readonly env: NodeJS.ProcessEnv;
  /** A postgres:// URL; overrides DATABASE_URL. */
  readonly databaseUrl?: string | undefined;
  /** Told when another process holds the embedded database's lock (the wait is bounded). */
  readonly onLockWait?: LockWaitListener | undefined;
  /**
   * Told once before the embedded database is created (first use under AOS_HOME, a few seconds);
   * a command line says so on stderr with {@link databaseCreateMessage}. Libraries print nothing.
   */
  readonly onDatabaseCreate?: DatabaseCreateListener | undefined;
  /**
   * Apply pending migrations on open (default true). A deployment whose role may not change the
   * schema opens with false and checks that the schema is current instead.
   */
  readonly migrate?: boolean | undefined;
}

/**
 * The line a command line prints while it waits for the embedded database's lock: who holds
 * it and how long the wait may last (AOS_DB_LOCK_TIMEOUT_MS).
 */
export function lockWaitMessage(wait: Parameters<LockWaitListener>[0]): string {
  return (
    `Waiting for the embedded database: ${wait.lockPath} is held by process ${wait.holder.pid} ` +
    `(giving up after ${Math.round(wait.timeoutMs / 1000)}s; AOS_DB_LOCK_TIMEOUT_MS)...\n`
  );
}

/**
 * The line a command line prints before the embedded database is created, so the first command's
 * few seconds of initdb are not silence.
 *
 * @example
 * ```ts
 * openAos({ env, onDatabaseCreate: (created) => void process.stderr.write(databaseCreateMessage(created)) })
 * ```
 */
export function databaseCreateMessage(created: Parameters<DatabaseCreateListener>[0]): string {
  return `Creating the embedded database in ${created.dataDir} (first use, a few seconds)...\n`;
}
