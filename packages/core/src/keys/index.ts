// The deployment's signing key and the verifier key set every verifier trusts.
export {
  loadDeploymentSigningKey,
  loadVerifierKeySet,
  VERIFIER_KEYS_FILE,
  VERIFIER_KEYS_FORMAT,
} from './verifier-key-set';
export type { TrustedKeySource, TrustedVerifierKey, VerifierKeySet } from './verifier-key-set';
export { generateSigningKeyFile, rotateSigningKey } from './signing-key-admin';
export type { GeneratedSigningKey, RotatedSigningKey, SigningKeyInfo } from './signing-key-admin';
