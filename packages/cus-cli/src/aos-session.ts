import { lockWaitMessage, withAos as withLocalAos, type Aos } from '@aos/core';
import { z } from 'zod';
import type { CommandContext } from './context';
import { databaseUrlOption, parseOptions } from './options';

const GlobalOptionsSchema = z.object({ databaseUrl: databaseUrlOption });

/**
 * Opens AOS for one command and always closes it, so the embedded directory's lock is released
 * even when the command fails. While another process holds that lock, says so on stderr (the
 * wait is bounded by AOS_DB_LOCK_TIMEOUT_MS).
 */
export async function withAos<T>(context: CommandContext, use: (aos: Aos) => Promise<T>): Promise<T> {
  const { databaseUrl } = parseOptions(GlobalOptionsSchema, { databaseUrl: context.databaseUrl });
  const onLockWait = (wait: Parameters<typeof lockWaitMessage>[0]): void => {
    context.io.stderr.write(lockWaitMessage(wait));
  };
  return withLocalAos({ env: context.io.env, databaseUrl, onLockWait }, use);
}
