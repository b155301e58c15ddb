import {
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  concatBytes,
  ed25519PrivateKey,
  ed25519PublicBytes,
  ed25519PublicKey,
  ed25519Seed,
  randomSeed,
  utf8Bytes,
} from '#platform';

import { ProofError } from './errors';
import type { Ed25519PrivateKey, Ed25519PublicKey } from './platform/key-types';
import { sha256Raw } from './sha256-hash';

/** C2SP signed-note signature type byte of Ed25519. */
const ED25519_TYPE = 0x01;
const PRIVATE_KEY_PREFIX = 'PRIVATE+KEY+';
const KEY_ID_PATTERN = /^[0-9a-f]{8}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Unicode spaces (Go's unicode.IsSpace adds U+0085 to JS's \s), '+' and control characters.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const BAD_NAME_CHARACTER = /[\s\u0085+\u0000-\u001F\u007F]|[\uD800-\uDFFF]/u;

/**
 * An Ed25519 signing key with its C2SP name. `keyId` is the 8-hex-digit key id,
 * `verifierKey` the public `name+keyid+base64` string to hand to verifiers.
 *
 * @example
 * ```ts
 * const key: SigningKey = generateSigningKey('aos.example.com');
 * console.log(key.verifierKey); // aos.example.com+1a2b3c4d+AR…
 * ```
 */
export interface SigningKey {
  readonly name: string;
  readonly keyId: string;
  readonly verifierKey: string;
  readonly privateKey: Ed25519PrivateKey;
  readonly publicKey: Ed25519PublicKey;
}

/**
 * A trusted Ed25519 public key parsed from a `name+keyid+base64` verifier key string.
 *
 * @example
 * ```ts
 * const trusted: VerifierKey = parseVerifierKey(process.env.AOS_VERIFIER_KEY ?? '');
 * ```
 */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: string;
  readonly verifierKey: string;
  readonly publicKey: Ed25519PublicKey;
}

/**
 * True when `name` can name a C2SP note key: non-empty, no Unicode space, no `+`, no control
 * character.
 *
 * @example
 * ```ts
 * isValidKeyName('aos.example.com'); // true
 * isValidKeyName('two words'); // false
 * ```
 */
export function isValidKeyName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && !BAD_NAME_CHARACTER.test(name);
}

/**
 * A new random Ed25519 signing key named `name` (which becomes the deployment origin of the
 * checkpoints it signs). Throws a {@link ProofError} `PROOF_BAD_KEY` for an invalid name.
 *
 * @example
 * ```ts
 * const key = generateSigningKey('aos.local');
 * const secret = encodeSigningKey(key); // store it: PRIVATE+KEY+aos.local+…
 * ```
 */
export function generateSigningKey(name: string): SigningKey {
  assertKeyName(name);
  return signingKeyFromPrivateKey(name, ed25519PrivateKey(randomSeed()));
}

/**
 * Parses a `PRIVATE+KEY+name+keyid+base64(0x01 ‖ seed)` signing key string (the format of
 * Go's golang.org/x/mod/sumdb/note). Surrounding whitespace is ignored. Throws a
 * {@link ProofError} `PROOF_BAD_KEY` — whose message never repeats the secret — when the text
 * is malformed or its key id does not match the key.
 *
 * @example
 * ```ts
 * const key = parseSigningKey(process.env.AOS_SIGNING_KEY ?? '');
 * ```
 */
export function parseSigningKey(text: string): SigningKey {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!trimmed.startsWith(PRIVATE_KEY_PREFIX)) {
    throw badKey('signing key must start with "PRIVATE+KEY+"');
  }
  const [name, keyId, encoded] = splitKeyText(trimmed.slice(PRIVATE_KEY_PREFIX.length));
  if (name === undefined || keyId === undefined || encoded === undefined) {
    throw badKey('signing key must look like PRIVATE+KEY+<name>+<keyid>+<base64>');
  }
  assertKeyName(name);
  if (!KEY_ID_PATTERN.test(keyId)) throw badKey('signing key id must be 8 lowercase hex digits');
  const raw = decodeBase64(encoded);
  if (raw === null || raw.length !== 33 || raw[0] !== ED25519_TYPE) {
    throw badKey('signing key material must be base64 of 0x01 followed by a 32-byte Ed25519 seed');
  }
  let privateKey: Ed25519PrivateKey;
  try {
    privateKey = ed25519PrivateKey(raw.subarray(1));
  } catch (error) {
    throw new ProofError('PROOF_BAD_KEY', 'signing key seed is not a valid Ed25519 key', {
      cause: error,
    });
  }
  const key = signingKeyFromPrivateKey(name, privateKey);
  if (key.keyId !== keyId) {
    throw badKey(`signing key id ${keyId} does not match the key (expected ${key.keyId})`);
  }
  return key;
}

/**
 * The `PRIVATE+KEY+name+keyid+base64(0x01 ‖ seed)` text of a signing key; secret, store it
 * with care. {@link parseSigningKey} reads it back.
 *
 * @example
 * ```ts
 * await writeFile(path, `${encodeSigningKey(key)}\n`, { mode: 0o600 });
 * ```
 */
export function encodeSigningKey(key: SigningKey): string {
  const material = bytesToBase64(concatBytes(Uint8Array.of(ED25519_TYPE), ed25519Seed(key.privateKey)));
  return `${PRIVATE_KEY_PREFIX}${key.name}+${key.keyId}+${material}`;
}

/**
 * The 32-byte Ed25519 seed of a signing key. Secret: for deriving other keys from it (the
 * runner's step-MAC key), never for printing.
 *
 * @example
 * ```ts
 * const stepKey = hkdfSync('sha256', signingKeySeed(key), new Uint8Array(0), 'aos.step-mac.v1', 32);
 * ```
 */
export function signingKeySeed(key: SigningKey): Uint8Array {
  return ed25519Seed(key.privateKey);
}

/**
 * Parses a `name+keyid+base64(0x01 ‖ public key)` verifier key string. Surrounding whitespace
 * is ignored. Throws a {@link ProofError} `PROOF_BAD_KEY` naming the problem when it is
 * malformed or its key id does not match the key.
 *
 * @example
 * ```ts
 * const trusted = parseVerifierKey('aos.local+c0ffee00+AR…');
 * verifyNote(checkpoint, [trusted]);
 * ```
 */
export function parseVerifierKey(text: string): VerifierKey {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const shown = JSON.stringify(trimmed.length > 120 ? `${trimmed.slice(0, 117)}…` : trimmed);
  const [name, keyId, encoded] = splitKeyText(trimmed);
  if (name === undefined || keyId === undefined || encoded === undefined) {
    throw badKey(`verifier key ${shown} must look like <name>+<keyid>+<base64>`);
  }
  if (!isValidKeyName(name)) throw badKey(`verifier key ${shown} has an invalid name`);
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw badKey(`verifier key ${shown}: key id must be 8 lowercase hex digits`);
  }
  const raw = decodeBase64(encoded);
  if (raw === null || raw.length !== 33 || raw[0] !== ED25519_TYPE) {
    throw badKey(`verifier key ${shown}: key must be base64 of 0x01 followed by a 32-byte Ed25519 public key`);
  }
  const publicRaw = raw.subarray(1);
  const expectedId = computeKeyId(name, publicRaw);
  if (expectedId !== keyId) {
    throw badKey(`verifier key ${shown}: key id ${keyId} does not match the key`);
  }
  let publicKey: Ed25519PublicKey;
  try {
    publicKey = ed25519PublicKey(publicRaw);
  } catch (error) {
    throw new ProofError('PROOF_BAD_KEY', `verifier key ${shown} is not an Ed25519 key`, {
      cause: error,
    });
  }
  return { name, keyId, verifierKey: trimmed, publicKey };
}

/** C2SP key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), as hex. */
function computeKeyId(name: string, publicRaw: Uint8Array): string {
  const input = concatBytes(utf8Bytes(name), Uint8Array.of(0x0a, ED25519_TYPE), publicRaw);
  return bytesToHex(sha256Raw(input), 0, 4);
}

function signingKeyFromPrivateKey(name: string, privateKey: Ed25519PrivateKey): SigningKey {
  const publicRaw = ed25519PublicBytes(privateKey);
  const publicKey = ed25519PublicKey(publicRaw);
  const keyId = computeKeyId(name, publicRaw);
  const material = bytesToBase64(concatBytes(Uint8Array.of(ED25519_TYPE), publicRaw));
  return { name, keyId, verifierKey: `${name}+${keyId}+${material}`, privateKey, publicKey };
}

/** Splits `name+keyid+rest`; the base64 rest may itself contain '+'. */
function splitKeyText(text: string): [string?, string?, string?] {
  const first = text.indexOf('+');
  if (first < 0) return [];
  const second = text.indexOf('+', first + 1);
  if (second < 0) return [];
  return [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
}

/** Strict standard base64 (RFC 4648 §4, padded); `null` for anything else. */
export function decodeBase64(text: string): Uint8Array | null {
  if (text === '' || !BASE64_PATTERN.test(text)) return null;
  const bytes = base64ToBytes(text);
  // Non-zero padding bits decode silently; re-encoding catches them.
  return bytesToBase64(bytes) === text ? bytes : null;
}

function assertKeyName(name: unknown): asserts name is string {
  if (!isValidKeyName(name)) {
    throw badKey(`key name ${JSON.stringify(name)} must be non-empty, without spaces, '+' or control characters`);
  }
}

function badKey(message: string): ProofError {
  return new ProofError('PROOF_BAD_KEY', message);
}
