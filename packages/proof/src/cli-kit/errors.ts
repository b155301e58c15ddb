import { EXIT_CODES, type ExitCode } from './exit-codes';

/**
 * An error a command line raises itself, with a stable `code` and the exit code it stands for
 * (e.g. `KEY_NOT_FOUND` → 3 for "no signing key yet"). Only the driver's one catch turns it into
 * that exit code.
 *
 * @example
 * ```ts
 * throw new CliError('KEY_EXISTS', `${file} already exists; nothing written`, EXIT_CODES.usage);
 * ```
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/**
 * A command line that is refused before anything is done: exit code 2. `code` is `USAGE` when the
 * parser refused it (unknown flag, missing option, no command), `INVALID_INPUT` when
 * {@link parseOptions} refused a value, or what the bin names its usage errors (`PROOF_USAGE`).
 *
 * @example
 * ```ts
 * throw new UsageError('Unknown argument: colour (see cus-cli run --help)');
 * ```
 */
export class UsageError extends CliError {
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(options?.code ?? 'USAGE', message, EXIT_CODES.usage, options);
    this.name = 'UsageError';
  }
}
