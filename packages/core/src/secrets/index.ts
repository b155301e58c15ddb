export { deleteSecret, listSecrets, setSecret, type SecretSummary, type SetSecretResult } from './secret-store';
export { secretNameSchema } from './secret-references';
