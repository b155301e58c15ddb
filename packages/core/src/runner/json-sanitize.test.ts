import { describe, expect, it } from 'vitest';
import { toStorableJson } from './json-sanitize';

describe('toStorableJson', () => {
  it('replaces NUL and lone surrogates (which jsonb refuses) and keeps valid pairs', () => {
    expect(toStorableJson({ a: 'x\u0000y', b: ['\uD800', 'ok \uD83D\uDE00', '\uDC00z'] })).toEqual({
      a: 'x\uFFFDy',
      b: ['\uFFFD', 'ok \uD83D\uDE00', '\uFFFDz'],
    });
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
