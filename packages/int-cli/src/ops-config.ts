import type { CliIo } from '@aos/proof/cli-kit';
import { lockWaitMessage, type AosConfig } from '@aos/core/ops';
import { z } from 'zod';
import { DatabaseUrlSchema, parseFlags, type GlobalOptions } from './flags';

/**
 * The deployment a command works on, for `withOps`: the command's environment, `--database-url`
 * (validated here, so a malformed one is a usage error before anything opens) and a notice on
 * stderr while another process holds the embedded directory.
 */
export function opsConfig(g: GlobalOptions, io: CliIo): AosConfig {
  const { databaseUrl } = parseFlags(z.object({ databaseUrl: DatabaseUrlSchema }), { databaseUrl: g.databaseUrl });
  return { env: io.env, databaseUrl, onLockWait: (wait) => void io.stderr.write(lockWaitMessage(wait)) };
}
