/**
 * The exit codes of every AOS bin (`cus-cli`, `int-cli`, `aos-proof`): one table, documented in
 * docs/cus-cli.md and docs/int-cli.md ("Exit codes"). A bin uses the codes that apply to it.
 *
 * @example
 * ```ts
 * return result.verification_status === 'VERIFIED' ? EXIT_CODES.ok : EXIT_CODES.notVerified;
 * ```
 */
export const EXIT_CODES = {
  ok: 0,
  /** Something failed that is not the caller's input: a database, a file, the network. */
  operational: 1,
  /** A bad flag or value; nothing was written. */
  usage: 2,
  notFound: 3,
  /** The run finished but did not succeed. */
  runNotSucceeded: 4,
  /** A proof or log did not verify (or an audit found something). */
  notVerified: 5,
  /** A missing, invalid or revoked API key, or one without the scope asked for. */
  notAuthorised: 6,
} as const;

/**
 * One of {@link EXIT_CODES}.
 *
 * @example
 * ```ts
 * const code: ExitCode = EXIT_CODES.notFound;
 * ```
 */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

// Matched by the errors' stable `code` strings: the kit lives in @aos/proof, which cannot import
// @aos/core's error classes (and must not need to: a remote client's errors carry the same codes).
const USAGE_CODES: ReadonlySet<string> = new Set([
  // The command line itself (the kit's UsageError, aos-proof's parser).
  'USAGE',
  'PROOF_USAGE',
  // @aos/core: a bad value, a configuration to fix, a request that conflicts with an earlier one.
  'INVALID_INPUT',
  'CONFIG_INVALID',
  'IDEMPOTENCY_CONFLICT',
  'AGENT_NOT_ACTIVE',
  'AGENT_ARCHIVED',
  'RUN_FINISHED',
  'TENANT_EXISTS',
  // @aos/proof: input that is not what it claims to be; a malformed or exposed key is a
  // configuration value to fix, as CONFIG_INVALID is.
  'PROOF_BAD_INPUT',
  'PROOF_BAD_KEY',
  'PROOF_KEY_EXPOSED',
  'PROOF_BAD_BUNDLE',
  'PROOF_BAD_POLICY',
]);
const NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'AGENT_NOT_FOUND',
  'RUN_NOT_FOUND',
  'SECRET_NOT_FOUND',
  'KEY_NOT_FOUND',
  'TENANT_NOT_FOUND',
  'API_KEY_NOT_FOUND',
  'PROOF_NOT_FOUND',
  'LOG_NOT_FOUND',
]);
// No API key or a bad one (missing, invalid, revoked), and a key without the scope asked for or
// of a suspended tenant (docs/cus-cli.md, "Exit codes").
const NOT_AUTHORISED_CODES: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

const ERROR_CODE = /^[A-Z][A-Z0-9_]+$/;
const ERROR_EXIT_CODES: ReadonlySet<number> = new Set(
  Object.values(EXIT_CODES).filter((code) => code !== EXIT_CODES.ok),
);

/**
 * The exit code for an error, by its stable `code`: bad input or usage → 2, unknown agent, run,
 * secret, key or proof → 3, `UNAUTHENTICATED`/`FORBIDDEN` → 6, anything else → 1. An error that
 * carries its own numeric `exitCode` (one of the table's, not 0) gets that one.
 *
 * @example
 * ```ts
 * exitCodeForError(new CliError('KEY_NOT_FOUND', 'no signing key yet', EXIT_CODES.notFound)); // 3
 * exitCodeForError(Object.assign(new Error('bad'), { code: 'INVALID_INPUT' })); // 2
 * ```
 */
export function exitCodeForError(error: unknown): ExitCode {
  const own = (error as { exitCode?: unknown } | null)?.exitCode;
  if (typeof own === 'number' && ERROR_EXIT_CODES.has(own)) return own as ExitCode;
  const code = errorCodeOf(error);
  if (USAGE_CODES.has(code)) return EXIT_CODES.usage;
  if (NOT_FOUND_CODES.has(code)) return EXIT_CODES.notFound;
  if (NOT_AUTHORISED_CODES.has(code)) return EXIT_CODES.notAuthorised;
  return EXIT_CODES.operational;
}

/**
 * The stable code to print for an error (`{"error":{"code","message"}}`): its `code` when that is
 * an upper-case identifier, else `INTERNAL`.
 *
 * @example
 * ```ts
 * errorCodeOf(new UsageError('Unknown argument: x')); // 'USAGE'
 * errorCodeOf(new TypeError('oops')); // 'INTERNAL'
 * ```
 */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : 'INTERNAL';
}
