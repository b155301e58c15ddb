import { bytesToBase64, concatBytes, ed25519PublicKeyBytes } from '#platform';
import { describe, expect, it } from 'vitest';

import { ProofError } from './errors';
import { encodeSigningKey, generateSigningKey, isValidKeyName, parseSigningKey, parseVerifierKey } from './note-key';

// golang.org/x/mod/sumdb/note (package documentation and note_test.go).
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
// The EnochRoot key of the Go example is generated from an all-zero seed.
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
// c2sp.org/signed-note example key.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
// The Go checksum database's published key: its base64 holds '+' characters.
const SUMDB_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';

function expectBadKey(run: () => unknown): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'should have thrown').toBeInstanceOf(ProofError);
  expect((caught as ProofError).code).toBe('PROOF_BAD_KEY');
}

describe('signing keys', () => {
  it('reads the Go reference signing key and derives its verifier key', () => {
    const key = parseSigningKey(PETER_SKEY);
    expect(key.name).toBe('PeterNeumann');
    expect(key.keyId).toBe('c74f20a3');
    expect(key.verifierKey).toBe(PETER_VKEY);
    expect(encodeSigningKey(key)).toBe(PETER_SKEY);
  });

  it('derives the EnochRoot verifier key from the all-zero seed', () => {
    const material = Buffer.concat([Buffer.from([1]), Buffer.alloc(32)]).toString('base64');
    const key = parseSigningKey(`PRIVATE+KEY+EnochRoot+af0cfe78+${material}`);
    expect(key.verifierKey).toBe(ENOCH_VKEY);
  });

  it('round-trips a generated key and ignores surrounding whitespace', () => {
    const key = generateSigningKey('aos.example.com/prod');
    const again = parseSigningKey(`\n ${encodeSigningKey(key)}\n`);
    expect(again.verifierKey).toBe(key.verifierKey);
    expect(parseVerifierKey(key.verifierKey).keyId).toBe(key.keyId);
  });

  it('refuses every truncation and single-character change of the reference key', () => {
    for (let i = 0; i <= PETER_SKEY.length; i++) {
      for (let j = i + 1; j <= PETER_SKEY.length; j++) {
        if (i === 0 && j === PETER_SKEY.length) continue;
        const part = PETER_SKEY.slice(i, j);
        if (part.trim() !== part) continue;
        expectBadKey(() => parseSigningKey(part));
      }
    }
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const changed =
        PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1);
      expectBadKey(() => parseSigningKey(changed));
    }
  });

  it('never repeats the secret in its error messages', () => {
    const wrongId = PETER_SKEY.replace('c74f20a3', 'c74f20a4');
    try {
      parseSigningKey(wrongId);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('AYEKFALVFGyNhPJEMzD1QIDr');
      expect((error as Error).message).toMatch(/does not match the key/);
    }
  });

  it.each(['', 'has space', 'a+b', 'tab\there', 'nbsp\u00a0x', 'nel\u0085x'])('refuses the key name %j', (name) => {
    expect(isValidKeyName(name)).toBe(false);
    expectBadKey(() => generateSigningKey(name));
  });
});

describe('verifier keys', () => {
  it.each([
    [PETER_VKEY, 'PeterNeumann', 'c74f20a3'],
    [ENOCH_VKEY, 'EnochRoot', 'af0cfe78'],
    [SPEC_VKEY, 'example.com/foo', '530d903a'],
    [SUMDB_VKEY, 'sum.golang.org', '033de0ae'],
  ])('parses %s', (text, name, keyId) => {
    const key = parseVerifierKey(text);
    expect(key).toMatchObject({ name, keyId, verifierKey: text });
    // The parsed key holds exactly the 32 bytes written after the 0x01 type byte.
    const material = bytesToBase64(concatBytes(Uint8Array.of(0x01), ed25519PublicKeyBytes(key.publicKey)));
    expect(text.endsWith(`+${material}`)).toBe(true);
  });

  it('refuses every truncation and single-character change of the reference key', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        expectBadKey(() => parseVerifierKey(PETER_VKEY.slice(i, j)));
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const changed =
        PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expectBadKey(() => parseVerifierKey(changed));
    }
  });

  it.each([
    // From Go's note_test.go: wrong key length and unknown algorithm, each with a matching id.
    'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
    'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    'no-plus-at-all',
    PETER_SKEY,
  ])('refuses %s with a message naming the key', (text) => {
    expectBadKey(() => parseVerifierKey(text));
    expect(() => parseVerifierKey(text)).toThrow(/verifier key "/);
  });
});
