import { z } from 'zod';
import { InvalidInputError, RUN_STATUSES, secretNameSchema, tenantIdSchema, uuidSchema } from '@aos/core';
import type { ParsedArgs } from './context';

/** `--tenant-id`: the same rule as core's (1..200 printable characters). */
export const tenantIdOption = tenantIdSchema;
/** A UUID flag or positional (agent id, run id). */
export const uuidOption = uuidSchema;
/** `<name>` of `secrets set|delete`. */
export const secretNameOption = secretNameSchema;
/** `--status` of list-runs. */
export const runStatusOption = z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(', ')}` });

/** `--database-url`: a postgres:// URL; absent means DATABASE_URL or the embedded database. */
export const databaseUrlOption = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// or postgresql:// URL')
  .optional();

/**
 * Validates a command's options with `schema` (keys in yargs' camelCase form) and returns them
 * typed. The first problem becomes a one-line {@link InvalidInputError} (exit code 2) naming
 * the flag as the user typed it, e.g. `--agent-id: must be a UUID`.
 *
 * @example
 * ```ts
 * const options = parseOptions(z.object({ tenantId: tenantIdOption }), args)
 * ```
 */
export function parseOptions<T>(schema: z.ZodType<T>, args: ParsedArgs): T {
  const result = schema.safeParse(args);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue?.path[0];
  const name = typeof key === 'string' ? flagName(key) : 'options';
  throw new InvalidInputError(`${name}: ${issue?.message ?? 'invalid value'}`, { field: name, cause: result.error });
}

const POSITIONALS = new Set(['run_id', 'name']);

function flagName(key: string): string {
  if (POSITIONALS.has(key)) return `<${key}>`;
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}
