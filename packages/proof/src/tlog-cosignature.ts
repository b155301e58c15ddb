import {
  bytesToBase64,
  bytesToHex,
  concatBytes,
  ed25519PublicBytes,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  hexToBytes,
  utf8Bytes,
} from '#platform';

import { ProofError } from './errors';
import type { Ed25519PrivateKey, Ed25519PublicKey } from './platform/key-types';
import { decodeBase64, isValidKeyName, type SigningKey } from './note-key';
import { describeValue, sha256Raw } from './sha256-hash';
import { assertNoteText } from './signed-note';
import { parseCheckpointBody } from './tlog-checkpoint';

/** Signature type byte of an Ed25519 note key (c2sp.org/signed-note). */
const ED25519_NOTE_TYPE = 0x01;
/** Signature type byte of an Ed25519 cosignature/v1 key (c2sp.org/tlog-cosignature). */
const ED25519_COSIGNATURE_TYPE = 0x04;
const SIGNATURE_PREFIX = '\u2014 ';
const KEY_ID_PATTERN = /^[0-9a-f]{8}$/;
/** key id (4) ‖ timestamp (8) ‖ Ed25519 signature (64). */
const COSIGNATURE_BYTES = 4 + 8 + 64;

/**
 * A witness's Ed25519 key as a cosigner (c2sp.org/tlog-cosignature): the same key pair as a note
 * key, but its key id and verifier key use signature type 0x04, so a cosignature can never be
 * mistaken for a plain note signature.
 *
 * @example
 * ```ts
 * const witness: CosignerKey = cosignerKeyFrom(generateSigningKey('witness.example/w1'));
 * console.log(witness.verifierKey); // witness.example/w1+<keyid>+BA…
 * ```
 */
export interface CosignerKey {
  readonly name: string;
  /** 8 hex digits: SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4]. */
  readonly keyId: string;
  /** `name+keyid+base64(0x04 ‖ public key)`. */
  readonly verifierKey: string;
  readonly privateKey: Ed25519PrivateKey;
  readonly publicKey: Ed25519PublicKey;
}

/**
 * A trusted cosigner public key, from {@link parseCosignatureVerifierKey}.
 *
 * @example
 * ```ts
 * const witness: CosignatureVerifierKey = parseCosignatureVerifierKey(text);
 * ```
 */
export interface CosignatureVerifierKey {
  readonly name: string;
  /** The cosignature (type 0x04) key id, whatever type the key was written with. */
  readonly keyId: string;
  readonly verifierKey: string;
  readonly publicKey: Ed25519PublicKey;
}

/**
 * The cosigner view of an Ed25519 signing key (as Go's `NewSignerForCosignatureV1` does with a
 * type 0x01 key): same name and key pair, type 0x04 key id and verifier key.
 *
 * @example
 * ```ts
 * const witness = cosignerKeyFrom(await readSigningKeyFile('witness.key'));
 * ```
 */
export function cosignerKeyFrom(key: SigningKey): CosignerKey {
  const publicRaw = ed25519PublicBytes(key.privateKey);
  const keyId = cosignatureKeyId(key.name, publicRaw);
  const material = bytesToBase64(concatBytes(Uint8Array.of(ED25519_COSIGNATURE_TYPE), publicRaw));
  return {
    name: key.name,
    keyId,
    verifierKey: `${key.name}+${keyId}+${material}`,
    privateKey: key.privateKey,
    publicKey: key.publicKey,
  };
}

/**
 * Parses a cosigner verifier key `name+keyid+base64(type ‖ public key)`. Type 0x04 is the
 * cosignature/v1 form; type 0x01 (a plain Ed25519 note key, as many witness lists publish) is
 * accepted too and used as a cosigner key, as Go's `NewVerifierForCosignatureV1` does. The key
 * id must match the key for the type written. Throws a {@link ProofError} `PROOF_BAD_KEY`
 * naming the problem.
 *
 * @example
 * ```ts
 * const witness = parseCosignatureVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
 * ```
 */
export function parseCosignatureVerifierKey(text: string): CosignatureVerifierKey {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const shown = JSON.stringify(trimmed.length > 120 ? `${trimmed.slice(0, 117)}…` : trimmed);
  const first = trimmed.indexOf('+');
  const second = first < 0 ? -1 : trimmed.indexOf('+', first + 1);
  if (second < 0) throw badKey(`cosigner key ${shown} must look like <name>+<keyid>+<base64>`);
  const name = trimmed.slice(0, first);
  const keyId = trimmed.slice(first + 1, second);
  if (!isValidKeyName(name)) throw badKey(`cosigner key ${shown} has an invalid name`);
  if (!KEY_ID_PATTERN.test(keyId)) throw badKey(`cosigner key ${shown}: key id must be 8 lowercase hex digits`);
  const raw = decodeBase64(trimmed.slice(second + 1));
  const type = raw?.[0];
  if (raw === null || raw.length !== 33 || (type !== ED25519_COSIGNATURE_TYPE && type !== ED25519_NOTE_TYPE)) {
    throw badKey(
      `cosigner key ${shown}: key must be base64 of 0x04 (or 0x01) followed by a 32-byte Ed25519 public key`,
    );
  }
  const publicRaw = raw.subarray(1);
  const writtenId = bytesToHex(sha256Raw(concatBytes(utf8Bytes(`${name}\n`), raw)), 0, 4);
  if (writtenId !== keyId) throw badKey(`cosigner key ${shown}: key id ${keyId} does not match the key`);
  let publicKey: Ed25519PublicKey;
  try {
    publicKey = ed25519PublicKey(publicRaw);
  } catch (error) {
    throw new ProofError('PROOF_BAD_KEY', `cosigner key ${shown} is not an Ed25519 key`, { cause: error });
  }
  return { name, keyId: cosignatureKeyId(name, publicRaw), verifierKey: trimmed, publicKey };
}

/**
 * Cosigns a checkpoint (c2sp.org/tlog-cosignature, Ed25519 `cosignature/v1`) at `timestamp`
 * (POSIX seconds): returns the note signature line `— <name> base64(keyid ‖ u64 timestamp ‖
 * signature)\n` to append to the note. `checkpointNote` is the signed checkpoint or its bare
 * body; only the body is signed, after the lines `cosignature/v1` and `time <timestamp>`. It
 * does not check the log's signature or consistency: that is the witness's job before it
 * calls this. Throws a {@link ProofError} `PROOF_BAD_NOTE` when the body is not a checkpoint,
 * `PROOF_BAD_VALUE` for a timestamp that is not a non-negative safe integer.
 *
 * @example
 * ```ts
 * const cosigned = checkpoint + cosignCheckpoint(checkpoint, witness, Math.floor(Date.now() / 1000));
 * ```
 */
export function cosignCheckpoint(checkpointNote: string, key: CosignerKey, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new ProofError(
      'PROOF_BAD_VALUE',
      `cosignature timestamp must be a non-negative integer of seconds, got ${describeValue(timestamp)}`,
    );
  }
  const body = checkpointBodyOf(checkpointNote);
  const signature = ed25519Sign(cosignedMessage(body, timestamp), key.privateKey);
  const stamp = new Uint8Array(8);
  new DataView(stamp.buffer).setBigUint64(0, BigInt(timestamp));
  const payload = bytesToBase64(concatBytes(hexToBytes(key.keyId), stamp, signature));
  return `${SIGNATURE_PREFIX}${key.name} ${payload}\n`;
}

/**
 * The outcome of {@link verifyCosignature}.
 *
 * @example
 * ```ts
 * const { valid, timestamp }: CosignatureVerification = verifyCosignature(note, witness);
 * ```
 */
export interface CosignatureVerification {
  /** True when the note holds a cosignature by the key that verifies over its body. */
  valid: boolean;
  /** The cosignature's time (POSIX seconds), when valid. */
  timestamp?: number;
  /** Why it is not valid. */
  reason?: string;
}

/**
 * Verifies the cosignature of `witnessKey` (a verifier key string or a parsed key) on a signed
 * checkpoint note. Signature lines of other keys are ignored; the note is not valid when no
 * line matches the key's name and cosignature key id, or when one that matches fails. Never
 * throws for a bad note; throws a {@link ProofError} `PROOF_BAD_KEY` only for a malformed key
 * string.
 *
 * @example
 * ```ts
 * const { valid, timestamp, reason } = verifyCosignature(note, 'witness.example/w1+1a2b3c4d+BA…');
 * if (!valid) throw new Error(`no cosignature: ${reason}`);
 * ```
 */
export function verifyCosignature(note: string, witnessKey: string | CosignatureVerifierKey): CosignatureVerification {
  const key = typeof witnessKey === 'string' ? parseCosignatureVerifierKey(witnessKey) : witnessKey;
  const split = typeof note === 'string' ? note.lastIndexOf('\n\n') : -1;
  if (split < 0) return { valid: false, reason: 'note has no blank line before its signatures' };
  const body = note.slice(0, split + 1);
  try {
    assertNoteText(note);
    parseCheckpointBody(body);
  } catch (error) {
    return { valid: false, reason: error instanceof Error ? error.message : 'note is malformed' };
  }
  const prefix = `${SIGNATURE_PREFIX}${key.name} `;
  for (const line of note.slice(split + 2).split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const payload = decodeBase64(line.slice(prefix.length));
    if (payload === null || payload.length < 4 || bytesToHex(payload, 0, 4) !== key.keyId) continue;
    if (payload.length !== COSIGNATURE_BYTES) {
      return {
        valid: false,
        reason: `cosignature by ${key.name} has ${payload.length} bytes, not ${COSIGNATURE_BYTES}`,
      };
    }
    const stamp = readUint64(payload, 4);
    if (stamp > BigInt(Number.MAX_SAFE_INTEGER)) {
      return { valid: false, reason: `cosignature by ${key.name} has an impossible timestamp ${stamp}` };
    }
    const timestamp = Number(stamp);
    if (!ed25519Verify(payload.subarray(12), cosignedMessage(body, timestamp), key.publicKey)) {
      return { valid: false, reason: `cosignature by ${key.name} (key id ${key.keyId}) does not verify` };
    }
    return { valid: true, timestamp };
  }
  return { valid: false, reason: `no cosignature by ${key.name} (key id ${key.keyId})` };
}

/**
 * The timestamp (POSIX seconds) written in a cosignature line, without verifying it; `null`
 * for a line that is not a 76-byte cosignature.
 *
 * @example
 * ```ts
 * cosignatureTimestamp('— witness.example.com/w1 jWbPPwAAAABkGFDL…'); // 1679315147
 * ```
 */
export function cosignatureTimestamp(signatureLine: string): number | null {
  if (typeof signatureLine !== 'string' || !signatureLine.startsWith(SIGNATURE_PREFIX)) return null;
  const text = signatureLine.replace(/\n$/, '');
  const payload = decodeBase64(text.slice(text.lastIndexOf(' ') + 1));
  if (payload === null || payload.length !== COSIGNATURE_BYTES) return null;
  const stamp = readUint64(payload, 4);
  return stamp > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(stamp);
}

/** The text before the signatures of a note, or the whole text when it is a bare body. */
function checkpointBodyOf(text: string): string {
  if (typeof text !== 'string') throw new ProofError('PROOF_BAD_NOTE', 'checkpoint must be text');
  const split = text.indexOf('\n\n');
  const body = split < 0 ? text : text.slice(0, split + 1);
  assertNoteText(body);
  parseCheckpointBody(body);
  return body;
}

function cosignedMessage(body: string, timestamp: number): Uint8Array {
  return utf8Bytes(`cosignature/v1\ntime ${timestamp}\n${body}`);
}

/** The big-endian u64 at `offset` of `bytes`. */
function readUint64(bytes: Uint8Array, offset: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
}

/** SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4] as hex (c2sp.org/tlog-cosignature). */
function cosignatureKeyId(name: string, publicRaw: Uint8Array): string {
  const input = concatBytes(utf8Bytes(`${name}\n`), Uint8Array.of(ED25519_COSIGNATURE_TYPE), publicRaw);
  return bytesToHex(sha256Raw(input), 0, 4);
}

function badKey(message: string): ProofError {
  return new ProofError('PROOF_BAD_KEY', message);
}
