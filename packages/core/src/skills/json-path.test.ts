import { describe, expect, it } from 'vitest';
import { JsonPathSyntaxError, parseJsonPath, readJsonPath } from './json-path';

describe('parseJsonPath', () => {
  it('parses keys, indexes, quoted keys and the root', () => {
    expect(parseJsonPath('a.b[0].c')).toEqual([{ key: 'a' }, { key: 'b' }, { index: 0 }, { key: 'c' }]);
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$.items[12]')).toEqual([{ key: 'items' }, { index: 12 }]);
    expect(parseJsonPath('[1]["a.b c"]')).toEqual([{ index: 1 }, { key: 'a.b c' }]);
    expect(parseJsonPath('my-key.$x')).toEqual([{ key: 'my-key' }, { key: '$x' }]);
  });

  it.each(['', 'a..b', 'a.', '.a', 'a[', 'a[x]', 'a[-1]', 'a b', 'a]', '$a', 'a["x]', 'a[01]'])(
    'refuses %j',
    (path) => {
      expect(() => parseJsonPath(path)).toThrow(JsonPathSyntaxError);
    },
  );

  it('names the path and position in the error', () => {
    expect(() => parseJsonPath('a..b')).toThrow('invalid path "a..b": unexpected "." at position 2');
  });
});

describe('readJsonPath', () => {
  const payload = { a: { b: [{ c: 1 }, { c: null }] }, list: [10, 20], 'x.y': true };

  it('reads nested values, null included', () => {
    expect(readJsonPath(payload, parseJsonPath('a.b[0].c'))).toBe(1);
    expect(readJsonPath(payload, parseJsonPath('a.b[1].c'))).toBeNull();
    expect(readJsonPath(payload, parseJsonPath('list.1'))).toBe(20);
    expect(readJsonPath(payload, parseJsonPath('["x.y"]'))).toBe(true);
  });

  it('gives undefined for anything missing, never inherited properties', () => {
    expect(readJsonPath(payload, parseJsonPath('a.b[5].c'))).toBeUndefined();
    expect(readJsonPath(payload, parseJsonPath('a.z'))).toBeUndefined();
    expect(readJsonPath(payload, parseJsonPath('list[0].deeper'))).toBeUndefined();
    expect(readJsonPath(payload, parseJsonPath('a.constructor'))).toBeUndefined();
    expect(readJsonPath(payload, parseJsonPath('list.length'))).toBeUndefined();
  });
});
