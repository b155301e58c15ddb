import { createHmac, hkdfSync } from 'node:crypto';
import { signingKeySeed, type SigningKey } from '@aos/proof';

/**
 * The runner's step key: HKDF-SHA256 of the deployment's signing key seed. Every step the
 * runner appends carries an HMAC under it (`step_mac`), and the sealer refuses a step without a
 * valid one. Hashes alone cannot tell a forged row from a real one (anyone may compute them);
 * a database role that may only INSERT does not hold this key, so it cannot add a step that
 * gets signed. It is derived, not stored, so it lives exactly where the signing key lives.
 */
export function deriveStepKey(signingKey: SigningKey): Buffer {
  return Buffer.from(hkdfSync('sha256', signingKeySeed(signingKey), Buffer.alloc(0), 'aos.step-mac.v1', 32));
}

/** HMAC-SHA256 over a step's trace, index and step_hash, as 64 hex characters. */
export function computeStepMac(stepKey: Buffer, traceId: string, stepIndex: number, stepHash: string): string {
  return createHmac('sha256', stepKey).update(`${traceId}\n${stepIndex}\n${stepHash}`).digest('hex');
}

const keys = new WeakMap<SigningKey, Buffer>();

/** {@link deriveStepKey}, computed once per key object. */
export function stepKeyOf(signingKey: SigningKey): Buffer {
  let key = keys.get(signingKey);
  if (key === undefined) {
    key = deriveStepKey(signingKey);
    keys.set(signingKey, key);
  }
  return key;
}
