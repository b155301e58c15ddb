import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption } from '../options';
import { printLogStatus } from '../render';
import { withAos } from '../aos-session';
import { checkpointStoreFor } from '../checkpoint-store';

/** Options of `cus-cli log status`. */
export const LogStatusOptionsSchema = z.object({ tenantId: tenantIdOption.optional() });

/**
 * `log status`: the tenant's newest log checkpoint as the store (or server) has it — origin,
 * size, root hash, the witnesses that cosigned it — and the size of the checkpoint saved here.
 * Nothing is verified or saved: that is `log verify`.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(LogStatusOptionsSchema, args);
  const checkpoints = checkpointStoreFor(context);
  const document = await withAos(
    context,
    async (aos, tenantId) => {
      const latest = await aos.log.checkpoint({ tenantId });
      const saved = await checkpoints.read(tenantId);
      return {
        tenant_id: tenantId,
        // A checkpoint's first line is its origin (C2SP tlog-checkpoint).
        origin: latest === null ? null : (latest.checkpoint.split('\n')[0] ?? null),
        tree_size: latest?.tree_size ?? 0,
        root_hash: latest?.root_hash ?? null,
        checkpoint: latest?.checkpoint ?? null,
        cosigned_by: latest?.cosigned_by ?? [],
        saved: saved === null ? null : { path: saved.path, tree_size: saved.treeSize },
      };
    },
    { given: options.tenantId, command: 'log status' },
  );
  printLogStatus(context, document);
  return EXIT_CODES.ok;
}
