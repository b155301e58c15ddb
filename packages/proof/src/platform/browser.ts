// `#platform` in browsers (and any runtime without node:crypto): SHA-256 and SHA-512 from
// @noble/hashes and Ed25519 from @noble/ed25519, both audited, dependency-free and synchronous.
// WebCrypto is not used: its digest and verify are async, one promise per Merkle node.
// Same interface as ./node.ts; both run the same test suite (vitest project `proof-browser-platform`).
import * as ed from '@noble/ed25519';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex as nobleBytesToHex, hexToBytes as nobleHexToBytes, randomBytes } from '@noble/hashes/utils.js';
import type { Ed25519PrivateKey, Ed25519PublicKey } from './key-types';

// @noble/ed25519 takes its SHA-512 from the caller so that it can stay dependency-free.
ed.hashes.sha512 = sha512;

const encoder = new TextEncoder();

/** Which implementation this is (tests and benchmarks report it). */
export const PLATFORM = 'browser';

/** SHA-256 of `data` (a string is hashed as its UTF-8 bytes), 32 bytes. */
export function sha256(data: string | Uint8Array): Uint8Array {
  return nobleSha256(typeof data === 'string' ? encoder.encode(data) : data);
}

/** SHA-256 of `data` as 64 lowercase hex characters. */
export function sha256Hex(data: string | Uint8Array): string {
  return nobleBytesToHex(sha256(data));
}

/** Writes the SHA-256 of `data` into `target` at `offset`. */
export function sha256Into(data: Uint8Array, target: Uint8Array, offset: number): void {
  target.set(nobleSha256(data), offset);
}

/** `n` bytes whose contents are to be overwritten. */
export function allocBytes(n: number): Uint8Array {
  return new Uint8Array(n);
}

/** Bytes of an even-length lowercase hex string the caller has checked. */
export function hexToBytes(hex: string): Uint8Array {
  return nobleHexToBytes(hex);
}

/** Writes the bytes of a checked hex string into `target` at `offset`. */
export function writeHex(target: Uint8Array, hex: string, offset: number): void {
  target.set(nobleHexToBytes(hex), offset);
}

/** Lowercase hex of `bytes[start, end)`. */
export function bytesToHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return nobleBytesToHex(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
}

/** Bytes of base64 text the caller has checked to be strict standard base64. */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Standard padded base64 of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  // In slices: String.fromCharCode with a spread of a large array overflows the call stack.
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The bytes of `parts`, one after another. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A fresh random 32-byte Ed25519 seed (the runtime's CSPRNG, `crypto.getRandomValues`). */
export function randomSeed(): Uint8Array {
  return randomBytes(32);
}

interface BrowserPrivateKey {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** The private key of a 32-byte seed. */
export function ed25519PrivateKey(seed: Uint8Array): Ed25519PrivateKey {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const key: BrowserPrivateKey = { seed: Uint8Array.from(seed), publicKey: ed.getPublicKey(seed) };
  return key as unknown as Ed25519PrivateKey;
}

/** The 32-byte seed of a private key (for encoding it and deriving keys from it). */
export function ed25519Seed(key: Ed25519PrivateKey): Uint8Array {
  return Uint8Array.from((key as unknown as BrowserPrivateKey).seed);
}

/** The raw 32-byte public key of a private key. */
export function ed25519PublicBytes(key: Ed25519PrivateKey): Uint8Array {
  return Uint8Array.from((key as unknown as BrowserPrivateKey).publicKey);
}

/**
 * A public key from its raw 32 bytes. Like OpenSSL on the Node path, it does not decode the
 * point here: bytes that are not a curve point make every verification false, so both
 * runtimes give one verdict for such a key.
 */
export function ed25519PublicKey(raw: Uint8Array): Ed25519PublicKey {
  if (raw.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return Uint8Array.from(raw) as unknown as Ed25519PublicKey;
}

/** The raw 32 bytes of a public key. */
export function ed25519PublicKeyBytes(key: Ed25519PublicKey): Uint8Array {
  return Uint8Array.from(key as unknown as Uint8Array);
}

/** The 64-byte Ed25519 signature of `message`. */
export function ed25519Sign(message: Uint8Array, key: Ed25519PrivateKey): Uint8Array {
  return ed.sign(message, (key as unknown as BrowserPrivateKey).seed);
}

/**
 * True when `signature` (64 bytes) is `key`'s signature of `message`. Strict RFC 8032 checks
 * (`zip215: false`: canonical encodings only), as OpenSSL on the Node path applies them.
 */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, key: Ed25519PublicKey): boolean {
  if (signature.length !== 64) return false;
  try {
    return ed.verify(signature, message, key as unknown as Uint8Array, { zip215: false });
  } catch {
    return false;
  }
}
