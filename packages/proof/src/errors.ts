/**
 * Stable error codes of `@aos/proof`. Only a command line's entry point turns them into exit
 * codes; nothing in the library prints or exits.
 *
 * @example
 * ```ts
 * PROOF_ERROR_CODES.includes(error.code); // true for any ProofError
 * ```
 */
export const PROOF_ERROR_CODES = [
  /** A value cannot be canonicalised (NaN, bigint, a cycle…) or is out of range. */
  'PROOF_BAD_VALUE',
  /** A hash is not 64 lowercase hex characters. */
  'PROOF_BAD_HASH',
  /** A signing or verifier key string is malformed, or its key id does not match. */
  'PROOF_BAD_KEY',
  /** A note or checkpoint body cannot be formatted or parsed. */
  'PROOF_BAD_NOTE',
  /** A proof bundle or step proof is not of the documented shape. */
  'PROOF_BAD_BUNDLE',
  /** A witness policy (log keys, witnesses, quorum) that is malformed or inconsistent. */
  'PROOF_BAD_POLICY',
  /** Input that is not what it claims to be (e.g. a file that is not JSON). */
  'PROOF_BAD_INPUT',
  /** Wrong use of a command line (missing argument, unknown flag). */
  'PROOF_USAGE',
  /** Reading or writing a file failed. */
  'PROOF_IO',
  /** A private key file that group or others may access (fix: `chmod 600 <file>`). */
  'PROOF_KEY_EXPOSED',
  /** No trace for that tenant and run (a run of another tenant looks the same). */
  'PROOF_NOT_FOUND',
  /** The trace exists but is not sealed yet, so there is nothing to export. */
  'PROOF_NOT_SEALED',
] as const;
/**
 * One of {@link PROOF_ERROR_CODES}.
 *
 * @example
 * ```ts
 * const usage: ProofErrorCode[] = ['PROOF_USAGE', 'PROOF_BAD_KEY', 'PROOF_BAD_INPUT'];
 * ```
 */
export type ProofErrorCode = (typeof PROOF_ERROR_CODES)[number];

/**
 * The one error class `@aos/proof` throws on purpose. `code` is stable; `message` names the
 * bad value and the problem; `cause` is passed through.
 *
 * @example
 * ```ts
 * try {
 *   parseVerifierKey(text);
 * } catch (error) {
 *   if (error instanceof ProofError && error.code === 'PROOF_BAD_KEY') {
 *     // tell the user which key is malformed
 *   }
 * }
 * ```
 */
export class ProofError extends Error {
  readonly code: ProofErrorCode;

  constructor(code: ProofErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProofError';
    this.code = code;
  }
}

/**
 * True when `error` is a {@link ProofError}, optionally with one of `codes`.
 *
 * @example
 * ```ts
 * if (isProofError(error, 'PROOF_BAD_KEY')) return 2;
 * ```
 */
export function isProofError(error: unknown, ...codes: ProofErrorCode[]): error is ProofError {
  return error instanceof ProofError && (codes.length === 0 || codes.includes(error.code));
}
