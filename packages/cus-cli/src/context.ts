import type { CommandContext as KitCommandContext, CommandRunner } from '@aos/proof/cli-kit';

export type { ParsedArgs } from '@aos/proof/cli-kit';

/** What every command gets besides its own options: the kit's context and cus-cli's global options. */
export interface CommandContext extends KitCommandContext {
  /** `--database-url`, overriding DATABASE_URL; undefined when not given. */
  readonly databaseUrl: unknown;
  /** `--api-url` (remote mode), undefined when not given. */
  readonly apiUrl: unknown;
  /** `--profile`: the login profile to use instead of the active one. */
  readonly profile: unknown;
  /** `--quiet`: no progress or hints on stderr (errors still print). */
  readonly quiet: boolean;
}

/** A command's implementation, loaded only when the command runs. */
export type CommandModule = CommandRunner<CommandContext>;
