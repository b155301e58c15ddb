import fc from 'fast-check';
import { PLATFORM } from '#platform';
import { describe, expect, it } from 'vitest';
import * as browser from './browser';
import * as node from './node';

// The vitest project `proof-browser-platform` runs this package's whole suite again with
// `#platform` resolved to ./browser.ts; this file also compares the two side by side.
describe('#platform', () => {
  it('is the implementation this test project asked for', () => {
    expect(PLATFORM).toBe(process.env.AOS_PROOF_PLATFORM ?? 'node');
  });

  it('hashes, encodes and decodes every input the same way in both implementations', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 60 }), (bytes, text) => {
        expect(browser.sha256Hex(bytes)).toBe(node.sha256Hex(bytes));
        expect(browser.sha256Hex(text)).toBe(node.sha256Hex(text));
        expect(browser.bytesToHex(browser.sha256(text))).toBe(node.sha256Hex(text));
        const hex = node.bytesToHex(bytes);
        expect(browser.bytesToHex(bytes)).toBe(hex);
        expect([...browser.hexToBytes(hex)]).toEqual([...bytes]);
        const base64 = node.bytesToBase64(bytes);
        expect(browser.bytesToBase64(bytes)).toBe(base64);
        expect([...browser.base64ToBytes(base64)]).toEqual([...bytes]);
        expect([...browser.utf8Bytes(text)]).toEqual([...node.utf8Bytes(text)]);
        const target = new Uint8Array(40);
        browser.sha256Into(bytes, target, 5);
        expect(node.bytesToHex(target, 5, 37)).toBe(node.sha256Hex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('makes the same Ed25519 keys and signatures, and each verifies the other', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        (seed, message) => {
          const nodeKey = node.ed25519PrivateKey(seed);
          const browserKey = browser.ed25519PrivateKey(seed);
          const publicRaw = node.ed25519PublicBytes(nodeKey);
          expect(node.bytesToHex(browser.ed25519PublicBytes(browserKey))).toBe(node.bytesToHex(publicRaw));
          expect(node.bytesToHex(browser.ed25519Seed(browserKey))).toBe(node.bytesToHex(node.ed25519Seed(nodeKey)));
          // Ed25519 is deterministic: both sign alike.
          const signature = node.ed25519Sign(message, nodeKey);
          expect(node.bytesToHex(browser.ed25519Sign(message, browserKey))).toBe(node.bytesToHex(signature));
          const browserPublic = browser.ed25519PublicKey(publicRaw);
          const nodePublic = node.ed25519PublicKey(publicRaw);
          expect(browser.ed25519Verify(signature, message, browserPublic)).toBe(true);
          expect(node.ed25519Verify(signature, message, nodePublic)).toBe(true);
          const flipped = Uint8Array.from(signature);
          flipped[message.length % 64] = (flipped[message.length % 64] ?? 0) ^ 1;
          expect(browser.ed25519Verify(flipped, message, browserPublic)).toBe(false);
          expect(node.ed25519Verify(flipped, message, nodePublic)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses, in both implementations, a signature whose S is not reduced (RFC 8032 §5.1.7)', () => {
    const key = node.ed25519PrivateKey(new Uint8Array(32).fill(7));
    const message = node.utf8Bytes('checkpoint');
    const signature = node.ed25519Sign(message, key);
    // S + L (the group order) is the same scalar, written non-canonically: strict verifiers refuse it.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] ?? 0);
    let unreduced = s + L;
    const forged = Uint8Array.from(signature);
    for (let i = 32; i < 64; i++) {
      forged[i] = Number(unreduced & 0xffn);
      unreduced >>= 8n;
    }
    const publicRaw = node.ed25519PublicBytes(key);
    expect(node.ed25519Verify(forged, message, node.ed25519PublicKey(publicRaw))).toBe(false);
    expect(browser.ed25519Verify(forged, message, browser.ed25519PublicKey(publicRaw))).toBe(false);
  });

  it('accepts public key bytes that are not a curve point, and then verifies nothing under them, in both', () => {
    // y = 2 has no x on edwards25519.
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2;
    const signature = node.ed25519Sign(new Uint8Array(1), node.ed25519PrivateKey(new Uint8Array(32)));
    expect(browser.ed25519Verify(signature, new Uint8Array(1), browser.ed25519PublicKey(notAPoint))).toBe(false);
    expect(node.ed25519Verify(signature, new Uint8Array(1), node.ed25519PublicKey(notAPoint))).toBe(false);
  });
});
