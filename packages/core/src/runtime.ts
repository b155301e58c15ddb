import { loadSigningKey, resolveAosHome, type SigningKey } from '@aos/proof';
import { openDatabase, type AosDatabase } from './db/database';
import type { LockWaitListener } from './db/embedded-lock';
import { createSkillRegistry, type SkillRegistry } from './skills/skill-registry';
import type { SkillEnv } from './skills/skill-types';

/** Everything a command needs to run goals, read runs and check proofs. */
export interface AosRuntime {
  readonly store: AosDatabase;
  readonly registry: SkillRegistry;
  readonly signingKey: SigningKey;
  readonly env: SkillEnv;
  readonly home: string;
  close(): Promise<void>;
}

/**
 * Opens the store (server when a URL is given or `DATABASE_URL` is set, embedded otherwise),
 * loads the deployment's signing key (`AOS_SIGNING_KEY`, or the key file under `AOS_HOME`,
 * created on first use) and builds the skill registry.
 *
 * @example
 * ```ts
 * const runtime = await openRuntime({ env: process.env })
 * try { ... } finally { await runtime.close() }
 * ```
 */
export async function openRuntime(options: {
  env: NodeJS.ProcessEnv;
  databaseUrl?: string | undefined;
  onLockWait?: LockWaitListener | undefined;
}): Promise<AosRuntime> {
  const home = resolveAosHome(options.env);
  const signingKey = await loadSigningKey({ env: options.env, home });
  const store = await openDatabase({ env: options.env, url: options.databaseUrl, onLockWait: options.onLockWait });
  return {
    store,
    registry: createSkillRegistry(),
    signingKey,
    env: options.env,
    home,
    close: () => store.close(),
  };
}
