import { sha256, sha256Hex as platformSha256Hex, sha256Into as platformSha256Into } from '#platform';

import { ProofError } from './errors';

/** SHA-256 of `data` (a string is hashed as its UTF-8 bytes), 32 bytes. */
export function sha256Raw(data: string | Uint8Array): Uint8Array {
  return sha256(data);
}

/** Writes the SHA-256 of `data` into `target` at `offset`, without allocating a digest where the runtime can. */
export function sha256Into(data: Uint8Array, target: Uint8Array, offset: number): void {
  platformSha256Into(data, target, offset);
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
  return platformSha256Hex(data);
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
