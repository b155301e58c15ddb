import type { CliIo } from '@aos/proof/cli-kit';
import { databaseCreateMessage, lockWaitMessage, type AosConfig } from '@aos/core/ops';
import { z } from 'zod';
import { databaseUrlOf } from '@aos/proof/cli-kit/schemas';
import { DatabaseUrlSchema, parseFlags, type GlobalOptions } from './flags';

/**
 * The deployment a command works on, for `withOps`: the command's environment, `--database-url`
 * or else DATABASE_URL (both validated here, so a malformed one is a usage error before anything
 * opens) and a notice on
 * stderr while another process holds the embedded directory, or before it is first created.
 */
export function opsConfig(g: GlobalOptions, io: CliIo): AosConfig {
  const given = parseFlags(z.object({ databaseUrl: DatabaseUrlSchema }), { databaseUrl: g.databaseUrl });
  return {
    env: io.env,
    databaseUrl: databaseUrlOf(given.databaseUrl, io.env),
    onLockWait: (wait) => void io.stderr.write(lockWaitMessage(wait)),
    onDatabaseCreate: (created) => void io.stderr.write(databaseCreateMessage(created)),
  };
}
