import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption } from '../options';
import { printSecrets } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli secrets list`. */
export const SecretsListOptionsSchema = z.object({ tenantId: tenantIdOption.optional() });

/** `secrets list`: the tenant's secrets, names and dates only. Needs no data key. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(SecretsListOptionsSchema, args);
  const secrets = await withAos(context, (aos, tenantId) => aos.secrets.list({ tenantId }), {
    given: options.tenantId,
    command: 'secrets list',
  });
  printSecrets(context, secrets);
  return EXIT_CODES.ok;
}
