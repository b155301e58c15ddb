import type { ExitCode } from '@aos/core/cli';

/**
 * An error the internal CLI itself raises with an exit code that no core error code implies
 * (e.g. "no signing key yet" → 3). `main` is still the only place that turns it into one.
 */
export class IntCliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode) {
    super(message);
    this.name = 'IntCliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}
