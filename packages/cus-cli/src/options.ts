import { z } from 'zod';
import { RUN_STATUSES } from '@aos/proof';
import { secretNameSchema, tenantIdSchema, uuidSchema } from '@aos/core/client';
import { parseOptions as parseKitOptions } from '@aos/proof/cli-kit';
import type { ParsedArgs } from './context';

export { databaseUrlOption } from '@aos/proof/cli-kit/schemas';

/** `--tenant-id`: the same rule as core's (1..200 printable characters). */
export const tenantIdOption = tenantIdSchema;
/** A UUID flag or positional (agent id, run id). */
export const uuidOption = uuidSchema;
/** `<name>` of `secrets set|delete`. */
export const secretNameOption = secretNameSchema;
/** `--status` of list-runs. */
export const runStatusOption = z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(', ')}` });

// The positionals of cus-cli's commands (args.ts): `get-run <run_id>`, `secrets set <name>`…
const POSITIONALS = ['run_id', 'agent_id', 'name', 'vkey'];

/**
 * The kit's parseOptions with cus-cli's positionals: validates a command's options with `schema`
 * (keys in yargs' camelCase form) and returns them typed. The first problem becomes a one-line
 * usage error (code INVALID_INPUT, exit code 2) naming the flag as the user typed it, e.g.
 * `--agent-id: must be a UUID` or `<run_id>: must be a UUID`.
 *
 * @example
 * ```ts
 * const options = parseOptions(z.object({ tenantId: tenantIdOption }), args)
 * ```
 */
export function parseOptions<T>(schema: z.ZodType<T>, args: ParsedArgs): T {
  return parseKitOptions(schema, args, { positionals: POSITIONALS });
}
