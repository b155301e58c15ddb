export {
  deleteSecret,
  listSecrets,
  MAX_SECRET_VALUE_BYTES,
  resolveSecrets,
  setSecret,
  type SecretSummary,
  type SetSecretResult,
} from './secret-store';
export { secretNameSchema } from './secret-references';
