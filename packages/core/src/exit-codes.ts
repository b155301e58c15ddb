import { AosError, type AosErrorCode } from './errors';

/** Exit codes of both command lines (docs/cus-cli.md, "Exit codes"). */
export const EXIT_CODES = {
  ok: 0,
  operational: 1,
  usage: 2,
  notFound: 3,
  runNotSucceeded: 4,
  proofFailed: 5,
} as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

const USAGE: readonly AosErrorCode[] = ['INVALID_INPUT', 'CONFIG_INVALID', 'IDEMPOTENCY_CONFLICT', 'AGENT_NOT_ACTIVE'];
const NOT_FOUND: readonly AosErrorCode[] = ['AGENT_NOT_FOUND', 'RUN_NOT_FOUND', 'SECRET_NOT_FOUND', 'KEY_NOT_FOUND'];
// A malformed or exposed key is a configuration value to fix, as CONFIG_INVALID is.
const PROOF_USAGE: readonly string[] = ['PROOF_USAGE', 'PROOF_BAD_INPUT', 'PROOF_BAD_KEY', 'PROOF_KEY_EXPOSED'];

/**
 * Maps an error to its exit code: bad input → 2, unknown agent, run, secret, key or proof → 3, anything else → 1.
 *
 * @example
 * ```ts
 * process.exitCode = exitCodeForError(error)
 * ```
 */
export function exitCodeForError(error: unknown): ExitCode {
  if (error instanceof AosError) {
    if (USAGE.includes(error.code)) return EXIT_CODES.usage;
    if (NOT_FOUND.includes(error.code)) return EXIT_CODES.notFound;
    return EXIT_CODES.operational;
  }
  // @aos/proof's errors, matched by code so this entry stays free of the proof library.
  const code = errorCodeOf(error);
  if (PROOF_USAGE.includes(code)) return EXIT_CODES.usage;
  if (code === 'PROOF_NOT_FOUND') return EXIT_CODES.notFound;
  return EXIT_CODES.operational;
}

/** The stable code to print for an error (`{"error":{"code","message"}}`). */
export function errorCodeOf(error: unknown): string {
  if (error instanceof AosError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) ? code : 'INTERNAL';
}
