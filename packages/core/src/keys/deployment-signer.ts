import type { SigningKey } from '@aos/proof';
import { loadDeploymentSigningKey } from './verifier-key-set';

/**
 * The deployment's signing key as a function that loads it on its first call (creating it then
 * when there is none yet) and returns the same key afterwards. Whoever holds it decides when the
 * private key is touched: only code about to seal calls it, before it writes anything, so a key
 * problem leaves nothing half-written. A failed load is not remembered: the next call tries again.
 *
 * @example
 * ```ts
 * const signer = deploymentSigner(process.env) // nothing loaded yet
 * const signingKey = await signer() // only where runs are sealed
 * ```
 */
export function deploymentSigner(env: NodeJS.ProcessEnv): () => Promise<SigningKey> {
  let signing: Promise<SigningKey> | undefined;
  return () => {
    signing ??= loadDeploymentSigningKey(env).catch((error: unknown) => {
      signing = undefined;
      throw error;
    });
    return signing;
  };
}
