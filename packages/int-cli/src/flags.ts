import { parseOptions } from '@aos/proof/cli-kit';
import { centsOption, databaseUrlOption, durationOption, positiveIntOption } from '@aos/proof/cli-kit/schemas';

/** Options every command accepts. */
export interface GlobalOptions {
  readonly json: boolean;
  readonly databaseUrl: string | undefined;
}

// The kit's shared option schemas (@aos/proof/cli-kit/schemas), under the names the commands use.

/** `--database-url`, when given, must name a postgres:// server (it overrides DATABASE_URL). */
export const DatabaseUrlSchema = databaseUrlOption;
/** A duration such as `15m`, `30s`, `2h`, `500ms`, `1d`, or `0`, in milliseconds. */
export const DurationSchema = durationOption;
/** A flag value that must be a non-negative amount of cents. */
export const CentsFlagSchema = centsOption;
/** A positive whole number flag (limits, counts). */
export const PositiveIntFlagSchema = positiveIntOption;

/**
 * The kit's parseOptions: validates a command's options with `schema`; the first problem becomes a
 * one-line usage error naming the flag as typed (`--daily-cents: must be …`), so nothing is written.
 */
export const parseFlags = parseOptions;
