import { AosError } from '../errors';

/**
 * The error for an embedded directory PGlite could not open. PGlite reports damage (a truncated
 * or missing file) as a WebAssembly abort ("Aborted(). Build with -sASSERTIONS…") or "failed to
 * initialize": the user needs the directory named and what to do, not the engine's words, which
 * stay in `cause`.
 */
export function embeddedOpenError(dataDir: string, error: unknown): AosError {
  return new AosError(
    'DB_OPEN_FAILED',
    `the embedded database at ${dataDir} is damaged and cannot be opened: move it aside (mv ${dataDir} ${dataDir}.damaged) to start afresh, restore it from a backup, or set DATABASE_URL to a Postgres server`,
    { cause: error },
  );
}
