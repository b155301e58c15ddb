import * as crypto from 'node:crypto';

import { ProofError } from './errors';

// `crypto.hash` (Node >= 20.12) is a one-shot digest about twice as fast as `createHash` for
// the small inputs hashed here; older runtimes get the createHash fallback.
const oneShot: typeof crypto.hash | undefined = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** SHA-256 of `data` (a string is hashed as its UTF-8 bytes) as a 32-byte Buffer. */
export function sha256Raw(data: string | Uint8Array): Buffer {
  if (oneShot !== undefined) return oneShot('sha256', data, 'buffer');
  return crypto.createHash('sha256').update(data).digest();
}

/**
 * Writes the SHA-256 of `data` into `target` at `offset`. A 'binary' (latin1) digest string
 * maps each byte to one character and costs less than allocating a Buffer per hash, which
 * matters when hashing a million Merkle nodes.
 */
export function sha256Into(data: Uint8Array, target: Buffer, offset: number): void {
  if (oneShot !== undefined) {
    target.write(oneShot('sha256', data, 'binary'), offset, 32, 'binary');
    return;
  }
  crypto.createHash('sha256').update(data).digest().copy(target, offset);
}

/**
 * SHA-256 of `data` as 64 lowercase hex characters. A string is hashed as its UTF-8 bytes.
 *
 * @example
 * ```ts
 * sha256Hex(''); // 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
 * sha256Hex(new Uint8Array([0x61, 0x62, 0x63])); // SHA-256 of "abc"
 * ```
 */
export function sha256Hex(data: string | Uint8Array): string {
  if (oneShot !== undefined) return oneShot('sha256', data, 'hex');
  return crypto.createHash('sha256').update(data).digest('hex');
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** True when `value` is a SHA-256 hash written as 64 lowercase hex characters. */
export function isHashHex(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}

/** Throws PROOF_BAD_HASH unless `value` is 64 lowercase hex characters. */
export function assertHashHex(value: unknown, name: string): asserts value is string {
  if (!isHashHex(value)) {
    throw new ProofError('PROOF_BAD_HASH', `${name} must be 64 lowercase hex characters, got ${describeValue(value)}`);
  }
}

/** A short, printable description of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 80 ? `${JSON.stringify(value.slice(0, 77))}…` : JSON.stringify(value);
  }
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
