import { type SigningKey } from '@aos/proof';
import { resolveAosHome } from '@aos/proof/node';
import { openDatabase, type AosDatabase, type DatabaseCreateListener } from './db/database';
import type { LockWaitListener } from './db/embedded-lock';
import { deploymentSigner } from './keys/deployment-signer';
import { loadVerifierKeySet, type VerifierKeySet } from './keys/verifier-key-set';
import { createSkillRegistry, type SkillRegistry } from './skills/skill-registry';
import type { SkillEnv } from './skills/skill-types';

/** Everything a command needs to run goals, read runs and check proofs. */
export interface AosRuntime {
  readonly store: AosDatabase;
  readonly registry: SkillRegistry;
  readonly env: SkillEnv;
  readonly home: string;
  /**
   * The trusted verifier key set (current and retired keys) that proofs are checked against;
   * read without loading or creating any private key. Read afresh on every call.
   */
  keySet(): Promise<VerifierKeySet>;
  /**
   * The signing key, loaded on the first call (and created then when there is none yet). Only
   * code that seals calls it, and before it writes anything, so a key problem leaves no run
   * half-written.
   */
  signer(): Promise<SigningKey>;
  close(): Promise<void>;
}

/**
 * Opens the store (server when a URL is given or `DATABASE_URL` is set, embedded otherwise)
 * and builds the skill registry. No key is touched here: `keySet()` reads the public key set
 * for verifiers and `signer()` loads the private key for sealers, each when first needed.
 *
 * @example
 * ```ts
 * const runtime = await openRuntime({ env: process.env })
 * try {
 *   const signingKey = await runtime.signer() // only where runs are sealed
 * } finally { await runtime.close() }
 * ```
 */
export async function openRuntime(options: {
  env: NodeJS.ProcessEnv;
  databaseUrl?: string | undefined;
  onLockWait?: LockWaitListener | undefined;
  onDatabaseCreate?: DatabaseCreateListener | undefined;
  /** Apply pending migrations on open (default true); a least-privilege role may not. */
  migrate?: boolean | undefined;
  /** Connections in the server pool (default 10). */
  poolSize?: number | undefined;
}): Promise<AosRuntime> {
  const env = options.env;
  const store = await openDatabase({
    env,
    url: options.databaseUrl,
    onLockWait: options.onLockWait,
    onDatabaseCreate: options.onDatabaseCreate,
    migrate: options.migrate,
    poolSize: options.poolSize,
  });
  return {
    store,
    registry: createSkillRegistry(),
    env,
    home: resolveAosHome(env),
    keySet: () => loadVerifierKeySet(env),
    signer: deploymentSigner(env),
    close: () => store.close(),
  };
}
