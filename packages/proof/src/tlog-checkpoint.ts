import { bytesToBase64, bytesToHex, hexToBytes } from '#platform';

import { ProofError } from './errors';
import { decodeBase64, type SigningKey } from './note-key';
import { assertHashHex, describeValue } from './sha256-hash';
import { signNote } from './signed-note';

const TREE_SIZE_PATTERN = /^(?:0|[1-9][0-9]*)$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F]/;

/**
 * The three mandatory lines of a C2SP tlog checkpoint.
 *
 * @example
 * ```ts
 * const fields: CheckpointFields = { origin: 'aos.local/acme/run-1', treeSize: 3, rootHash };
 * ```
 */
export interface CheckpointFields {
  /** Unique identifier of the log: here `<deployment origin>/<tenant_id>/<run_id>`. */
  origin: string;
  /** Number of leaves in the tree. */
  treeSize: number;
  /** RFC 9162 Merkle root of the tree, as 64 lowercase hex characters. */
  rootHash: string;
}

/**
 * A parsed checkpoint body: the three fields and any extension lines.
 *
 * @example
 * ```ts
 * const { origin, treeSize, extensions }: ParsedCheckpoint = parseCheckpointBody(body);
 * ```
 */
export interface ParsedCheckpoint extends CheckpointFields {
  extensions: string[];
}

/**
 * The text of a C2SP tlog checkpoint (c2sp.org/tlog-checkpoint): `origin\nsize\nbase64(root)\n`.
 * Throws a {@link ProofError} for an empty origin, one holding a control character, a size that
 * is not a non-negative integer or a root that is not a hash.
 *
 * @example
 * ```ts
 * formatCheckpointBody({ origin: 'aos.local/acme/run-1', treeSize: 3, rootHash });
 * // 'aos.local/acme/run-1\n3\n<base64 of the 32 root bytes>\n'
 * ```
 */
export function formatCheckpointBody(fields: CheckpointFields): string {
  const { origin, treeSize, rootHash } = fields;
  if (typeof origin !== 'string' || origin === '' || CONTROL_CHARACTER.test(origin)) {
    throw new ProofError(
      'PROOF_BAD_NOTE',
      `checkpoint origin must be a non-empty line of text, got ${describeValue(origin)}`,
    );
  }
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new ProofError(
      'PROOF_BAD_NOTE',
      `checkpoint tree size must be a non-negative integer, got ${describeValue(treeSize)}`,
    );
  }
  assertHashHex(rootHash, 'checkpoint root hash');
  return `${origin}\n${treeSize}\n${bytesToBase64(hexToBytes(rootHash))}\n`;
}

/**
 * Parses the text of a tlog checkpoint (for a signed note, the `body` that
 * {@link verifyNote} returns). The root comes back as hex. Throws a {@link ProofError}
 * `PROOF_BAD_NOTE` naming the bad line.
 *
 * @example
 * ```ts
 * const { origin, treeSize, rootHash } = parseCheckpointBody(verifyNote(note, keys).body);
 * ```
 */
export function parseCheckpointBody(body: string): ParsedCheckpoint {
  if (typeof body !== 'string' || !body.endsWith('\n')) {
    throw new ProofError('PROOF_BAD_NOTE', 'checkpoint must end with a newline');
  }
  const lines = body.slice(0, -1).split('\n');
  const [origin, size, root, ...extensions] = lines;
  if (origin === undefined || size === undefined || root === undefined) {
    throw new ProofError('PROOF_BAD_NOTE', 'checkpoint must have at least three lines');
  }
  if (origin === '' || CONTROL_CHARACTER.test(origin)) {
    throw new ProofError('PROOF_BAD_NOTE', 'checkpoint origin line is empty or malformed');
  }
  const treeSize = Number(size);
  if (!TREE_SIZE_PATTERN.test(size) || !Number.isSafeInteger(treeSize)) {
    throw new ProofError('PROOF_BAD_NOTE', `checkpoint tree size ${describeValue(size)} is not a decimal integer`);
  }
  const rootBytes = decodeBase64(root);
  if (rootBytes === null || rootBytes.length !== 32) {
    throw new ProofError('PROOF_BAD_NOTE', 'checkpoint root hash line is not base64 of 32 bytes');
  }
  if (extensions.some((line) => line === '')) {
    throw new ProofError('PROOF_BAD_NOTE', 'checkpoint extension lines must not be empty');
  }
  return { origin, treeSize, rootHash: bytesToHex(rootBytes), extensions };
}

/**
 * The checkpoint origin of one run: `<deployment origin>/<tenant_id>/<run_id>`. The
 * deployment origin is the signing key's name. Throws a {@link ProofError} `PROOF_BAD_VALUE`
 * when a part is empty or holds a control character, or the run id holds a `/` (which would
 * make the tenant id ambiguous).
 *
 * @example
 * ```ts
 * checkpointOrigin('aos.example.com', 'acme', runId); // 'aos.example.com/acme/<runId>'
 * ```
 */
export function checkpointOrigin(deploymentOrigin: string, tenantId: string, runId: string): string {
  const parts = { 'deployment origin': deploymentOrigin, tenant_id: tenantId, run_id: runId };
  for (const [label, value] of Object.entries(parts)) {
    if (typeof value !== 'string' || value === '' || CONTROL_CHARACTER.test(value)) {
      throw new ProofError('PROOF_BAD_VALUE', `${label} must be a non-empty line of text, got ${describeValue(value)}`);
    }
  }
  if (runId.includes('/')) {
    throw new ProofError('PROOF_BAD_VALUE', `run_id ${describeValue(runId)} must not contain "/"`);
  }
  return `${deploymentOrigin}/${tenantId}/${runId}`;
}

/**
 * A tlog checkpoint signed as a C2SP note by `key`.
 *
 * @example
 * ```ts
 * const checkpoint = signCheckpoint(
 *   { origin: checkpointOrigin(key.name, 'acme', runId), treeSize: 3, rootHash: merkleRoot },
 *   key,
 * );
 * ```
 */
export function signCheckpoint(fields: CheckpointFields, key: SigningKey): string {
  return signNote(formatCheckpointBody(fields), key);
}
