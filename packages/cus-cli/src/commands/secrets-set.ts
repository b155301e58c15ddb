import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, secretNameOption, tenantIdOption } from '../options';
import { readSecretValue } from '../read-secret-value';
import { printSecretSet } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli secrets set`. The value is not an option: it comes from stdin. */
export const SecretsSetOptionsSchema = z.object({ name: secretNameOption, tenantId: tenantIdOption });

/** `secrets set <name>`: reads the value from stdin and stores it encrypted. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(SecretsSetOptionsSchema, args);
  const value = await readSecretValue(context.io, options.name);
  const result = await withAos(context, (aos) =>
    aos.secrets.set({ tenantId: options.tenantId, name: options.name, value }),
  );
  printSecretSet(context, options.tenantId, result);
  return EXIT_CODES.ok;
}
