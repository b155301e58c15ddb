import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, secretNameOption, tenantIdOption } from '../options';
import { printSecretDeleted } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli secrets delete`. */
export const SecretsDeleteOptionsSchema = z.object({ name: secretNameOption, tenantId: tenantIdOption.optional() });

/** `secrets delete <name>`: exit 3 (SECRET_NOT_FOUND) when the tenant has no secret of that name. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(SecretsDeleteOptionsSchema, args);
  const deleted = await withAos(context, (aos, tenantId) => aos.secrets.delete({ name: options.name, tenantId }), {
    given: options.tenantId,
    command: 'secrets delete',
  });
  printSecretDeleted(context, deleted);
  return EXIT_CODES.ok;
}
