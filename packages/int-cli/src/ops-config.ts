import type { CliIo } from '@aos/core/cli';
import type { AosConfig, LockWaitListener } from '@aos/core/ops';
import { z } from 'zod';
import { DatabaseUrlSchema, parseFlags, type GlobalOptions } from './flags';

function lockNotice(io: CliIo): LockWaitListener {
  return ({ lockPath, holder, timeoutMs }) => {
    io.stderr.write(
      `Waiting for the embedded database: ${lockPath} is held by process ${holder.pid} ` +
        `(giving up after ${Math.round(timeoutMs / 1000)}s; AOS_DB_LOCK_TIMEOUT_MS)...\n`,
    );
  };
}

/**
 * The deployment a command works on, for `withOps`: the command's environment, `--database-url`
 * (validated here, so a malformed one is a usage error before anything opens) and a notice on
 * stderr while another process holds the embedded directory.
 */
export function opsConfig(g: GlobalOptions, io: CliIo): AosConfig {
  const { databaseUrl } = parseFlags(z.object({ databaseUrl: DatabaseUrlSchema }), { databaseUrl: g.databaseUrl });
  return { env: io.env, databaseUrl, onLockWait: lockNotice(io) };
}
