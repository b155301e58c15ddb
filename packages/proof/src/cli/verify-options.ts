import { z } from 'zod';

// The options both commands take, checked once yargs has parsed them; a missing value is a
// usage error (`PROOF_USAGE`, exit 2), and parseVerifierKey then refuses a malformed key
// (`PROOF_BAD_KEY`, exit 2).

const NO_FILE = 'name a file, or - for stdin';
const NO_KEY = 'give at least one trusted verifier key (name+keyid+base64)';

/** `<bundle>` or `<proof>`: a file, or `-` for stdin. */
export const fileArgument = z.string({ error: NO_FILE }).min(1, NO_FILE);

/** `--key`, repeatable: at least one. */
export const trustedKeysOption = z
  .array(z.string().trim().min(1, 'must not be empty'), { error: NO_KEY })
  .min(1, NO_KEY);
