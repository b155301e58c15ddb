import { bytesToHex, ed25519PublicKeyBytes } from '#platform';

import * as z from 'zod/mini';

import { describeZodError, safeParseSchema } from './zod-error';
import { isProofError, ProofError } from './errors';
import { parseVerifierKey, type VerifierKey } from './note-key';
import { verifyNote } from './signed-note';
import { parseStrictJson } from './strict-json';
import { parseCheckpointBody } from './tlog-checkpoint';
import { parseCosignatureVerifierKey, verifyCosignature, type CosignatureVerifierKey } from './tlog-cosignature';

const NAME_PATTERN = /^[\x21-\x7e]+$/;

const WitnessPolicyJsonSchema = z.strictObject({
  log_keys: z
    .array(z.string(), { error: 'must be an array of log verifier keys' })
    .check(z.minLength(1, 'name at least one log key')),
  witnesses: z.array(
    z.strictObject({
      name: z
        .string({ error: 'must be a string' })
        .check(z.regex(NAME_PATTERN, 'must be non-empty printable ASCII without spaces')),
      key: z.string({ error: 'must be a cosigner verifier key string' }),
    }),
    { error: 'must be an array of {name, key}' },
  ),
  quorum: z.int({ error: 'must be an integer' }).check(z.gte(0, 'must be 0 or more')),
});

/**
 * A witness named in a {@link WitnessPolicy}: the name the policy gives it (what verdicts
 * report) and its cosigner key.
 *
 * @example
 * ```ts
 * const [first]: readonly PolicyWitness[] = policy.witnesses;
 * console.log(first?.name, first?.key.verifierKey);
 * ```
 */
export interface PolicyWitness {
  readonly name: string;
  readonly key: CosignatureVerifierKey;
}

/**
 * Which checkpoints a reader accepts: signed by one of `logKeys` and cosigned by at least
 * `quorum` distinct `witnesses`. From {@link parseWitnessPolicy}.
 *
 * @example
 * ```ts
 * const policy: WitnessPolicy = parseWitnessPolicy(await readFile('policy.json', 'utf8'));
 * console.log(`${policy.quorum} of ${policy.witnesses.length} witnesses`);
 * ```
 */
export interface WitnessPolicy {
  readonly logKeys: readonly VerifierKey[];
  readonly witnesses: readonly PolicyWitness[];
  readonly quorum: number;
}

/**
 * Parses a witness policy document (docs/proof.md, "Witness policy"):
 * `{ "log_keys": ["<vkey>"…], "witnesses": [{ "name": "…", "key": "<cosigner vkey>" }…],
 * "quorum": k }`, given as JSON text (read strictly: a repeated member is refused) or as the
 * parsed value. Refuses unknown members, a malformed key, a repeated log key, a repeated
 * witness name or public key, and a quorum above the number of witnesses. Throws a
 * {@link ProofError} `PROOF_BAD_POLICY` with one line naming the field
 * (`policy: witnesses[1].key: …`).
 *
 * @example
 * ```ts
 * const policy = parseWitnessPolicy(
 *   '{"log_keys":["aos.example.com+1a2b3c4d+AR…"],"witnesses":[{"name":"w1","key":"w1.example+5e6f7a8b+BA…"}],"quorum":1}',
 * );
 * ```
 */
export function parseWitnessPolicy(json: unknown): WitnessPolicy {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = parseStrictJson(json, 'policy', { subject: 'policy' });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ProofError('PROOF_BAD_POLICY', message, { cause: error });
    }
  }
  const parsed = safeParseSchema(WitnessPolicyJsonSchema, value);
  if (!parsed.success) throw badPolicy(describeZodError(parsed.error));
  const { log_keys: logKeyTexts, witnesses: witnessEntries, quorum } = parsed.data;

  const logKeys: VerifierKey[] = [];
  const logKeyIds = new Map<string, number>();
  for (const [i, text] of logKeyTexts.entries()) {
    const key = keyAt(`log_keys[${i}]`, () => parseVerifierKey(text));
    const id = `${key.name}+${key.keyId}`;
    const earlier = logKeyIds.get(id);
    if (earlier !== undefined) throw badPolicy(`log_keys[${i}]: same key as log_keys[${earlier}]`);
    logKeyIds.set(id, i);
    logKeys.push(key);
  }

  const witnesses: PolicyWitness[] = [];
  const names = new Map<string, number>();
  const publicKeys = new Map<string, number>();
  for (const [i, entry] of witnessEntries.entries()) {
    const earlierName = names.get(entry.name);
    if (earlierName !== undefined) {
      throw badPolicy(`witnesses[${i}].name: ${JSON.stringify(entry.name)} is also witnesses[${earlierName}].name`);
    }
    names.set(entry.name, i);
    const key = keyAt(`witnesses[${i}].key`, () => parseCosignatureVerifierKey(entry.key));
    // One key pair under two names is still one witness: counting it twice would let a single
    // party meet a quorum of two.
    const material = bytesToHex(ed25519PublicKeyBytes(key.publicKey));
    const earlierKey = publicKeys.get(material);
    if (earlierKey !== undefined) {
      throw badPolicy(`witnesses[${i}].key: same public key as witnesses[${earlierKey}].key`);
    }
    publicKeys.set(material, i);
    witnesses.push({ name: entry.name, key });
  }
  if (quorum > witnesses.length) {
    throw badPolicy(`quorum: ${quorum} is more than the ${witnesses.length} witnesses named`);
  }
  return { logKeys, witnesses, quorum };
}

/**
 * The verdict of {@link verifyCosignatureQuorum}.
 *
 * @example
 * ```ts
 * const { ok, cosigned, missing }: QuorumVerification = verifyCosignatureQuorum(note, policy);
 * ```
 */
export interface QuorumVerification {
  /** True only when a policy log key signed the checkpoint and at least `quorum` policy witnesses cosigned it. */
  ok: boolean;
  /** True when the note carries a valid signature by a policy log key (and none by one fails). */
  logSignatureValid: boolean;
  /** Policy names of the witnesses whose cosignature verifies, in policy order. */
  cosigned: string[];
  /** Policy names of the other witnesses, in policy order. */
  missing: string[];
  /** Why it is not ok. */
  reason?: string;
}

/**
 * Checks a signed checkpoint note against a {@link WitnessPolicy}: `ok` only when the note is a
 * checkpoint signed by one of the policy's log keys and at least `quorum` distinct policy
 * witnesses have a valid cosignature on it. A cosignature by a key the policy does not name is
 * ignored; a witness that cosigned twice counts once; a forged or damaged cosignature leaves
 * its witness `missing`. Never throws for a bad note.
 *
 * @example
 * ```ts
 * const verdict = verifyCosignatureQuorum(checkpoint, parseWitnessPolicy(policyJson));
 * if (!verdict.ok) throw new Error(`checkpoint refused: ${verdict.reason}`);
 * console.log(`cosigned by ${verdict.cosigned.join(', ')}`);
 * ```
 */
export function verifyCosignatureQuorum(note: string, policy: WitnessPolicy): QuorumVerification {
  const log = verifyNote(note, policy.logKeys);
  let logReason = log.valid ? undefined : `log signature: ${log.reason ?? 'invalid'}`;
  if (logReason === undefined) {
    try {
      parseCheckpointBody(log.body);
    } catch (error) {
      logReason = `note is not a checkpoint: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const cosigned: string[] = [];
  const missing: string[] = [];
  const failures: string[] = [];
  for (const witness of policy.witnesses) {
    const check = verifyCosignature(note, witness.key);
    if (check.valid) {
      cosigned.push(witness.name);
    } else {
      missing.push(witness.name);
      failures.push(`${witness.name}: ${check.reason ?? 'invalid'}`);
    }
  }
  const logSignatureValid = log.valid;
  if (logReason !== undefined) return { ok: false, logSignatureValid, cosigned, missing, reason: logReason };
  if (cosigned.length < policy.quorum) {
    const reason = `${cosigned.length} of the ${policy.quorum} cosignatures required (${failures.join('; ')})`;
    return { ok: false, logSignatureValid, cosigned, missing, reason };
  }
  return { ok: true, logSignatureValid, cosigned, missing };
}

function keyAt<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (isProofError(error, 'PROOF_BAD_KEY')) throw badPolicy(`${field}: ${error.message}`, error);
    throw error;
  }
}

function badPolicy(message: string, cause?: unknown): ProofError {
  return new ProofError('PROOF_BAD_POLICY', `policy: ${message}`, cause === undefined ? undefined : { cause });
}
