import { describe, expect, it } from 'vitest';
import {
  escapeUnstorableText,
  findUnstorableText,
  MAX_STORED_DEPTH,
  toStorableJson,
  unstorableCharacter,
} from './json-sanitize';

describe('toStorableJson', () => {
  it('replaces NUL and lone surrogates (which jsonb refuses) and keeps valid pairs', () => {
    expect(toStorableJson({ a: 'x\u0000y', b: ['\uD800', 'ok \uD83D\uDE00', '\uDC00z'] })).toEqual({
      a: 'x\uFFFDy',
      b: ['\uFFFD', 'ok \uD83D\uDE00', '\uFFFDz'],
    });
  });

  it('cleans object keys the same way, at any depth, keeping a "__proto__" key an ordinary key', () => {
    const value = JSON.parse('{"k\\u0000":1,"nested":[{"\\ud800x":{"ok":2},"__proto__":"p"}]}') as unknown;
    const stored = toStorableJson(value);
    expect(stored).toEqual(JSON.parse('{"k\uFFFD":1,"nested":[{"\uFFFDx":{"ok":2},"__proto__":"p"}]}'));
    expect(JSON.stringify(stored)).not.toMatch(/\\u0000|\\ud800/);
  });

  it('returns what a jsonb round trip returns: undefined members dropped, -0 as 0, non-JSON as null', () => {
    expect(toStorableJson({ keep: 1, drop: undefined, zero: -0, list: [undefined, 2] })).toEqual({
      keep: 1,
      zero: 0,
      list: [null, 2],
    });
    expect(Object.is((toStorableJson({ zero: -0 }) as { zero: number }).zero, 0)).toBe(true);
    expect(toStorableJson(undefined)).toBeNull();
  });
});

describe('storable text', () => {
  it('names NUL characters and lone surrogates, and nothing else', () => {
    expect(unstorableCharacter('a\u0000b')).toBe('a NUL character (\\u0000)');
    expect(unstorableCharacter('a\uD83Db')).toBe('a lone surrogate (\\ud83d)');
    expect(unstorableCharacter('\uDE00')).toBe('a lone surrogate (\\ude00)');
    expect(unstorableCharacter('ok \uD83D\uDE00 \uFFFD \\u0000')).toBeUndefined();
  });

  it('finds the first value or key Postgres cannot store, with its path', () => {
    expect(findUnstorableText({ a: 'fine', b: [1, { 'k\u0000': 'v' }] })).toEqual({
      path: ['b', 1, 'k\u0000'],
      inKey: true,
      problem: 'a NUL character (\\u0000)',
    });
    expect(findUnstorableText(['x', ['\uD800']])).toEqual({
      path: [1, 0],
      inKey: false,
      problem: 'a lone surrogate (\\ud800)',
    });
    expect(findUnstorableText({ a: ['\uD83D\uDE00'], b: null, c: 1 })).toBeUndefined();
  });

  it('escapes what Postgres cannot store and leaves the rest', () => {
    expect(escapeUnstorableText('k\u0000 \uD800 \uD83D\uDE00')).toBe('k\\u0000 \\ud800 \uD83D\uDE00');
  });

  it('cuts what nests deeper than verifiers read, so every stored step can be verified', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 80; i++) deep = i % 2 === 0 ? [deep] : { k: deep };
    let stored = toStorableJson(deep) as unknown;
    let levels = 0;
    while (typeof stored === 'object' && stored !== null) {
      stored = Array.isArray(stored) ? stored[0] : (stored as { k: unknown }).k;
      levels++;
    }
    expect(levels).toBe(MAX_STORED_DEPTH);
    expect(stored).toBe(`[truncated: nested deeper than ${MAX_STORED_DEPTH} levels]`);
    expect(toStorableJson({ a: [{ b: 1 }] })).toEqual({ a: [{ b: 1 }] });
  });
});
