/**
 * A command line the parser refused (unknown flag, missing option, no command). Reported as
 * `{"error":{"code":"USAGE",…}}` and exit code 2.
 */
export class UsageError extends Error {
  readonly code = 'USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
