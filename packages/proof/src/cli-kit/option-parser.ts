import type { z } from 'zod';
import { UsageError } from './errors';

/**
 * How {@link parseOptions} names what it refuses.
 *
 * @example
 * ```ts
 * const options: ParseOptionsSettings = { positionals: ['run_id'] };
 * ```
 */
export interface ParseOptionsSettings {
  /** Keys that are positionals, named `<run_id>` rather than `--run-id`. */
  readonly positionals?: readonly string[];
  /** The error's code; `INVALID_INPUT` unless the bin names its usage errors otherwise. */
  readonly code?: string;
}

/**
 * Validates a command's options with `schema` (keys in yargs' camelCase form) and returns them
 * typed. The first problem becomes a one-line {@link UsageError} (exit code 2, code
 * `INVALID_INPUT`) naming the flag as the user typed it — `--agent-id: must be a UUID`, or
 * `<run_id>: must be a UUID` for a positional — so nothing is opened or written. Takes the schema
 * from the caller: the kit itself loads no zod.
 *
 * @example
 * ```ts
 * const { tenantId, limit } = parseOptions(z.object({ tenantId: z.string(), limit: z.number() }), args);
 * ```
 */
export function parseOptions<T>(schema: z.ZodType<T>, args: unknown, settings: ParseOptionsSettings = {}): T {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue?.path[0];
  const name = typeof key === 'string' ? optionName(key, settings.positionals ?? []) : 'options';
  throw new UsageError(`${name}: ${issue === undefined ? 'invalid value' : plainMessage(issue)}`, {
    code: settings.code ?? 'INVALID_INPUT',
    cause: result.error,
  });
}

// zod's own wording for a wrong type ("Invalid input: expected number, received NaN") names zod's
// view of the value, not the user's: a flag given twice arrives as an array, a word where a number
// belongs as NaN. Schemas with their own message keep it.
const ZOD_TYPE_MESSAGE = /^Invalid input: expected (\w+), received (\w+)$/;

function plainMessage(issue: z.core.$ZodIssue): string {
  const match = issue.code === 'invalid_type' ? ZOD_TYPE_MESSAGE.exec(issue.message) : null;
  if (match === null) return issue.message;
  const [, expected, received] = match;
  if (received === 'array') return 'given more than once; give it once';
  if (received === 'undefined') return 'is required';
  if (expected === 'number' || expected === 'int') return 'must be a number';
  if (expected === 'boolean') return 'takes no value (a switch)';
  return expected === 'string' ? 'needs a value' : `must be a ${expected ?? 'different value'}`;
}

function optionName(key: string, positionals: readonly string[]): string {
  if (positionals.includes(key)) return `<${key}>`;
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}
