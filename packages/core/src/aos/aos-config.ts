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
}
