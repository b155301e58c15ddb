import { openDatabase, openRuntime, type AosDatabase, type AosRuntime, type LockWaitListener } from '@aos/core';
import type { CommandContext } from './context';
import { databaseUrlOption, parseOptions } from './options';
import { z } from 'zod';

const GlobalOptionsSchema = z.object({ databaseUrl: databaseUrlOption });

function lockWaitNotice(context: CommandContext): LockWaitListener {
  return ({ lockPath, holder, timeoutMs }) => {
    context.io.stderr.write(
      `Waiting for the embedded database: ${lockPath} is held by process ${holder.pid} ` +
        `(giving up after ${Math.round(timeoutMs / 1000)}s; AOS_DB_LOCK_TIMEOUT_MS)...\n`,
    );
  };
}

/**
 * Opens the runtime (the store and skill registry; keys only on demand) for one command and
 * always closes it, so the embedded directory's lock is released even when the command fails.
 * While another process holds that lock, says so on stderr (the wait is bounded by
 * AOS_DB_LOCK_TIMEOUT_MS).
 */
export async function withRuntime<T>(context: CommandContext, use: (runtime: AosRuntime) => Promise<T>): Promise<T> {
  const { databaseUrl } = parseOptions(GlobalOptionsSchema, { databaseUrl: context.databaseUrl });
  const runtime = await openRuntime({ env: context.io.env, databaseUrl, onLockWait: lockWaitNotice(context) });
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
  }
}

/**
 * Like {@link withRuntime}, for commands that need the store only: no signing key is loaded
 * (or created), so `secrets` commands never touch the deployment's private key.
 */
export async function withStore<T>(context: CommandContext, use: (store: AosDatabase) => Promise<T>): Promise<T> {
  const { databaseUrl } = parseOptions(GlobalOptionsSchema, { databaseUrl: context.databaseUrl });
  const store = await openDatabase({ env: context.io.env, url: databaseUrl, onLockWait: lockWaitNotice(context) });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
