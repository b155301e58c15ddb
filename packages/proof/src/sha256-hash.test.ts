import { describe, expect, it } from 'vitest';

import { sha256Hex } from './sha256-hash';

describe('sha256Hex', () => {
  // FIPS 180-2 appendix B.1 ("abc") and the empty message.
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('hashes %j', (text, expected) => {
    expect(sha256Hex(text)).toBe(expected);
    expect(sha256Hex(new TextEncoder().encode(text))).toBe(expected);
  });

  it('hashes a string as its UTF-8 bytes', () => {
    expect(sha256Hex('é😀')).toBe(sha256Hex(Buffer.from('é😀', 'utf8')));
  });
});
