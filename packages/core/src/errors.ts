/**
 * Stable error codes of `@aos/core`. The command lines map them to exit codes; nothing in
 * the library prints or exits.
 */
export const AOS_ERROR_CODES = [
  'INVALID_INPUT',
  'AGENT_NOT_FOUND',
  'AGENT_NOT_ACTIVE',
  // An archived agent is final: it cannot be resumed (or paused) again.
  'AGENT_ARCHIVED',
  'RUN_NOT_FOUND',
  // cancel-run: a terminal run cannot be cancelled; a run a worker is executing is not taken
  // from it (the caller tries again once the attempt ends).
  'RUN_FINISHED',
  'RUN_EXECUTING',
  'KEY_NOT_FOUND',
  'IDEMPOTENCY_CONFLICT',
  'PLAN_INVALID',
  'PLAN_GENERATION_FAILED',
  'SKILL_NOT_FOUND',
  'SKILL_NOT_CONFIGURED',
  'SKILL_FAILED',
  'NETWORK_POLICY_DENIED',
  'BUDGET_EXCEEDED',
  'DB_LOCKED',
  'DB_OPEN_FAILED',
  'MIGRATION_FAILED',
  'INTEGRITY_VIOLATION',
  'CONFIG_INVALID',
  'SECRET_NOT_FOUND',
  'LOG_NOT_FOUND',
  'SECRET_UNREADABLE',
  'DATA_KEY_UNAVAILABLE',
  'TENANT_NOT_FOUND',
  'TENANT_EXISTS',
  'API_KEY_NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  // The remote client (@aos/core/client): the API could not be reached, answered with a
  // document that is not the contract's, or with an error code this version does not know.
  'API_UNREACHABLE',
  'API_BAD_RESPONSE',
  'API_ERROR',
  'INTERNAL',
] as const;
export type AosErrorCode = (typeof AOS_ERROR_CODES)[number];

/**
 * Base class of every error `@aos/core` throws on purpose.
 *
 * @example
 * ```ts
 * try { await createRun(db, input) } catch (e) {
 *   if (e instanceof AosError && e.code === 'AGENT_NOT_FOUND') console.error(e.message)
 * }
 * ```
 */
export class AosError extends Error {
  readonly code: AosErrorCode;

  constructor(code: AosErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AosError';
    this.code = code;
  }
}

/** Bad input from a user or the outside: names the field and the problem. */
export class InvalidInputError extends AosError {
  readonly field: string | undefined;

  constructor(message: string, options?: { field?: string; cause?: unknown }) {
    super('INVALID_INPUT', message, options);
    this.name = 'InvalidInputError';
    this.field = options?.field;
  }
}

/** True when `error` is an AosError with one of `codes`. */
export function isAosError(error: unknown, ...codes: AosErrorCode[]): error is AosError {
  return error instanceof AosError && (codes.length === 0 || codes.includes(error.code));
}
