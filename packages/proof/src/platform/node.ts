// `#platform` on Node: node:crypto (OpenSSL) and Buffer, the fast path. ./browser.ts is the same
// interface over @noble; both run the same test suite (vitest project `proof-browser-platform`).
import * as crypto from 'node:crypto';
import type { Ed25519PrivateKey, Ed25519PublicKey } from './key-types';

// DER wrappers of a raw Ed25519 seed (RFC 8410 PKCS#8) and public key (SPKI); Node builds
// KeyObjects from DER, and these fixed prefixes are all that differs from the raw bytes.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// `crypto.hash` (Node >= 20.12) is a one-shot digest about twice as fast as `createHash` for
// the small inputs hashed here; older runtimes get the createHash fallback.
const oneShot: typeof crypto.hash | undefined = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** Which implementation this is (tests and benchmarks report it). */
export const PLATFORM = 'node';

/** SHA-256 of `data` (a string is hashed as its UTF-8 bytes), 32 bytes. */
export function sha256(data: string | Uint8Array): Uint8Array {
  if (oneShot !== undefined) return oneShot('sha256', data, 'buffer');
  return crypto.createHash('sha256').update(data).digest();
}

/** SHA-256 of `data` as 64 lowercase hex characters. */
export function sha256Hex(data: string | Uint8Array): string {
  if (oneShot !== undefined) return oneShot('sha256', data, 'hex');
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * Writes the SHA-256 of `data` into `target` at `offset`. A 'binary' (latin1) digest string
 * maps each byte to one character and costs less than allocating a Buffer per hash, which
 * matters when hashing a million Merkle nodes.
 */
export function sha256Into(data: Uint8Array, target: Uint8Array, offset: number): void {
  const out = asBuffer(target);
  if (oneShot !== undefined) {
    out.write(oneShot('sha256', data, 'binary'), offset, 32, 'binary');
    return;
  }
  crypto.createHash('sha256').update(data).digest().copy(out, offset);
}

/** `n` bytes whose contents are to be overwritten (not zeroed). */
export function allocBytes(n: number): Uint8Array {
  return Buffer.allocUnsafe(n);
}

/** Bytes of an even-length lowercase hex string the caller has checked. */
export function hexToBytes(hex: string): Uint8Array {
  return Buffer.from(hex, 'hex');
}

/** Writes the bytes of a checked hex string into `target` at `offset`, allocating nothing. */
export function writeHex(target: Uint8Array, hex: string, offset: number): void {
  asBuffer(target).write(hex, offset, hex.length / 2, 'hex');
}

/** Lowercase hex of `bytes[start, end)`. */
export function bytesToHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return asBuffer(bytes).toString('hex', start, end);
}

/** Bytes of base64 text the caller has checked to be strict standard base64. */
export function base64ToBytes(text: string): Uint8Array {
  return Buffer.from(text, 'base64');
}

/** Standard padded base64 of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64');
}

/** UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** The bytes of `parts`, one after another. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** A fresh random 32-byte Ed25519 seed. */
export function randomSeed(): Uint8Array {
  return crypto.randomBytes(32);
}

/** The private key of a 32-byte seed; throws when the runtime refuses it. */
export function ed25519PrivateKey(seed: Uint8Array): Ed25519PrivateKey {
  const key = crypto.createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return key as unknown as Ed25519PrivateKey;
}

/** The 32-byte seed of a private key (for encoding it and deriving keys from it). */
export function ed25519Seed(key: Ed25519PrivateKey): Uint8Array {
  return (key as unknown as crypto.KeyObject).export({ format: 'der', type: 'pkcs8' }).subarray(-32);
}

/** The raw 32-byte public key of a private key. */
export function ed25519PublicBytes(key: Ed25519PrivateKey): Uint8Array {
  return crypto
    .createPublicKey(key as unknown as crypto.KeyObject)
    .export({ format: 'der', type: 'spki' })
    .subarray(-32);
}

/** A public key from its raw 32 bytes (OpenSSL decodes the point only when it verifies). */
export function ed25519PublicKey(raw: Uint8Array): Ed25519PublicKey {
  const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
  return key as unknown as Ed25519PublicKey;
}

/** The raw 32 bytes of a public key. */
export function ed25519PublicKeyBytes(key: Ed25519PublicKey): Uint8Array {
  return (key as unknown as crypto.KeyObject).export({ format: 'der', type: 'spki' }).subarray(-32);
}

/** The 64-byte Ed25519 signature of `message`. */
export function ed25519Sign(message: Uint8Array, key: Ed25519PrivateKey): Uint8Array {
  return crypto.sign(null, message, key as unknown as crypto.KeyObject);
}

/** True when `signature` (64 bytes) is `key`'s signature of `message`. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, key: Ed25519PublicKey): boolean {
  return signature.length === 64 && crypto.verify(null, message, key as unknown as crypto.KeyObject, signature);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
