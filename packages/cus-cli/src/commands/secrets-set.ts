import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, secretNameOption, tenantIdOption } from '../options';
import { readSecretValue } from '../read-secret-value';
import { printSecretSet } from '../render';
import { checkTenantChoice, withAos } from '../aos-session';

/** Options of `cus-cli secrets set`. The value is not an option: it comes from stdin. */
export const SecretsSetOptionsSchema = z.object({ name: secretNameOption, tenantId: tenantIdOption.optional() });

/** `secrets set <name>`: reads the value from stdin and stores it encrypted. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(SecretsSetOptionsSchema, args);
  const tenant = { given: options.tenantId, command: 'secrets set' };
  // Locally a missing --tenant-id is refused before the value is asked for.
  checkTenantChoice(context, tenant);
  const value = await readSecretValue(context.io, options.name);
  const { result, tenantId } = await withAos(
    context,
    async (aos, tenantId) => ({ result: await aos.secrets.set({ tenantId, name: options.name, value }), tenantId }),
    tenant,
  );
  printSecretSet(context, tenantId, result);
  return EXIT_CODES.ok;
}
