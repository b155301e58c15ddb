import { openDatabase, openRuntime, type AosDatabase, type AosRuntime, type CliIo } from '@aos/core';
import type { LockWaitListener } from '@aos/core';
import { z } from 'zod';
import { DatabaseUrlSchema, parseFlags, type GlobalOptions } from './flags';

function databaseUrlOf(g: GlobalOptions): string | undefined {
  return parseFlags(z.object({ databaseUrl: DatabaseUrlSchema }), { databaseUrl: g.databaseUrl }).databaseUrl;
}

function lockNotice(io: CliIo): LockWaitListener {
  return ({ lockPath, holder, timeoutMs }) => {
    io.stderr.write(
      `Waiting for the embedded database: ${lockPath} is held by process ${holder.pid} ` +
        `(giving up after ${Math.round(timeoutMs / 1000)}s; AOS_DB_LOCK_TIMEOUT_MS)...\n`,
    );
  };
}

/**
 * Opens the store for one command and always closes it, so the embedded directory's lock is
 * released even when the command fails. `migrate: false` leaves pending migrations for
 * `int-cli migrate` to apply and report.
 */
export async function withStore<T>(
  g: GlobalOptions,
  io: CliIo,
  use: (store: AosDatabase) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const store = await openDatabase({
    env: io.env,
    url: databaseUrlOf(g),
    migrate: options.migrate,
    onLockWait: lockNotice(io),
  });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Like {@link withStore}, plus the skill registry and the runtime's keys (`keySet()`, and `signer()` for code that seals). */
export async function withRuntime<T>(
  g: GlobalOptions,
  io: CliIo,
  use: (runtime: AosRuntime) => Promise<T>,
): Promise<T> {
  const runtime = await openRuntime({ env: io.env, databaseUrl: databaseUrlOf(g), onLockWait: lockNotice(io) });
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
  }
}
