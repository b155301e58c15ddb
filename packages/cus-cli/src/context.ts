import type { CliIo, ExitCode } from '@aos/core/cli';

/** What every command gets besides its own options. */
export interface CommandContext {
  readonly io: CliIo;
  /** `--json`: stdout holds exactly one JSON document. */
  readonly json: boolean;
  /** `--database-url`, overriding DATABASE_URL; undefined when not given. */
  readonly databaseUrl: unknown;
}

/** The options yargs parsed, handed to a command as they are: the command validates them. */
export type ParsedArgs = Readonly<Record<string, unknown>>;

/** A command's implementation, loaded only when the command runs. */
export interface CommandModule {
  execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode>;
}
