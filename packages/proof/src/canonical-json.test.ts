import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { canonicalize } from './canonical-json';
import { ProofError } from './errors';

function fromIeee754(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

describe('canonicalize: RFC 8785 vectors', () => {
  // RFC 8785 Appendix B: IEEE 754 bit patterns and their JCS text.
  const APPENDIX_B: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  it.each(APPENDIX_B)('number 0x%s is written %s', (bits, expected) => {
    expect(canonicalize(fromIeee754(bits))).toBe(expected);
    expect(canonicalize({ n: fromIeee754(bits) })).toBe(`{"n":${expected}}`);
  });

  it.each([
    ['NaN', '7fffffffffffffff'],
    ['Infinity', '7ff0000000000000'],
  ])('refuses %s (Appendix B rows without a JSON form)', (_name, bits) => {
    expect(() => canonicalize([fromIeee754(bits)])).toThrow(ProofError);
    expect(() => canonicalize(-Infinity)).toThrow(/is not a JSON number/);
  });

  it('writes the §3.2.2 sample as the RFC does', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    expect(canonicalize(JSON.parse(input))).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('sorts the §3.2.3 sample by UTF-16 code units', () => {
    const input = String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`;
    expect(canonicalize(JSON.parse(input))).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  // github.com/cyberphone/json-canonicalization testdata/input → testdata/output (the RFC
  // author's reference test data).
  it.each([
    [
      'values',
      String.raw`{"numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001], "escaping": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`,
      String.raw`{"escaping":"€$\u000f\nA'B\"\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}`,
    ],
    [
      'structures',
      String.raw`{"1": {"f": {"f": "hi","F": 5} ,"\n": 56.0}, "10": { }, "": "empty", "a": { }, "111": [ { } ], "A": { }}`,
      String.raw`{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}`,
    ],
    [
      'french',
      '{"peach": "This sorting order", "péché": "is wrong according to French", "pêche": "but canonicalization MUST", "sin": "ingnore locale"}',
      '{"peach":"This sorting order","péché":"is wrong according to French","pêche":"but canonicalization MUST","sin":"ingnore locale"}',
    ],
    ['unicode', String.raw`{"Unnormalized Unicode":"\u1e0d\u0307"}`, '{"Unnormalized Unicode":"\u1e0d\u0307"}'],
    [
      'weird',
      String.raw`{"\u20ac": "Euro Sign", "1": "One", "\u0080": "Control\u007f", "\ud83d\ude02": "Smiley", "\u00f6": "Latin Small Letter O With Diaeresis", "\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}`,
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley",' +
        '"\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    ],
  ])('matches the reference test data %s', (_name, input, expected) => {
    expect(canonicalize(JSON.parse(input))).toBe(expected);
  });
});

describe('canonicalize: values outside JSON', () => {
  it.each([
    ['undefined', undefined, '$'],
    ['undefined in an array', [1, undefined], '$[1]'],
    ['a hole in an array', [1, , 3], '$[1]'], // eslint-disable-line no-sparse-arrays
    ['a function', { f: () => 1 }, '$.f'],
    ['a bigint', { a: [{ b: 1n }] }, '$.a[0].b'],
    ['a symbol', { s: Symbol('x') }, '$.s'],
    ['NaN deep inside', { a: [1, { 'b c': Number.NaN }] }, '$.a[1]["b c"]'],
    ['a Date', { at: new Date(0) }, '$.at'],
    ['a Map', new Map(), '$'],
    ['a lone surrogate in a value', { s: 'a\ud800b' }, '$.s'],
    ['a lone surrogate in a name', { ['\udc00']: 1 }, '$["\\udc00"]'],
  ])('refuses %s, naming where', (_name, value, where) => {
    let caught: unknown;
    try {
      canonicalize(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProofError);
    expect((caught as ProofError).code).toBe('PROOF_BAD_VALUE');
    expect((caught as ProofError).message).toContain(`cannot canonicalize ${where}:`);
  });

  it('refuses a cycle instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalize(cyclic)).toThrow(/deeper than 64 levels/);
  });

  it('accepts 64 levels of nesting and refuses 65, naming the path', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 'leaf';
      for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { a: value };
      return value;
    };
    expect(canonicalize(nest(64))).toContain('"leaf"');
    expect(() => canonicalize(nest(65))).toThrow(/deeper than 64 levels/);
    expect(canonicalize({ plan: { steps: [nest(61)] } })).toContain('"leaf"');
    let caught: unknown;
    try {
      canonicalize({ plan: { steps: [nest(62)] } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProofError);
    expect((caught as ProofError).code).toBe('PROOF_BAD_VALUE');
    expect((caught as ProofError).message).toMatch(
      /^cannot canonicalize \$\.plan\.steps\[0\](\.a|\[0\]){61}: nesting deeper than 64 levels/,
    );
  });

  it('treats undefined object members as absent, as JSON.stringify does', () => {
    expect(canonicalize({ b: 1, a: undefined })).toBe('{"b":1}');
  });

  it('accepts objects without a prototype and keeps paired surrogates', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { z: '😀', y: [] });
    expect(canonicalize(bare)).toBe('{"y":[],"z":"😀"}');
  });
});

/** A copy of `value` whose objects list their members in a shuffled order. */
function reorder(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => reorder(item, random));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, reorder(v, random)]));
}

describe('canonicalize: properties', () => {
  const json = fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 6 });

  it('is the same text whatever the member order', () => {
    fc.assert(
      fc.property(json, fc.integer(), (value, seed) => {
        let state = seed >>> 0;
        const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
        expect(canonicalize(reorder(value, random))).toBe(canonicalize(value));
      }),
    );
  });

  it('parses back to the same JSON value and is a fixed point', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalize(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalize(JSON.parse(text))).toBe(text);
      }),
    );
  });
});
