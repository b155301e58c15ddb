import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ProofError } from './errors';
import { JSON_MAX_DEPTH, parseStrictJson, type JsonPlace } from './strict-json';

const BUNDLE: JsonPlace = { subject: 'bundle' };

function refusal(text: string, place: JsonPlace = BUNDLE): string {
  try {
    parseStrictJson(text, 'bundle.json', place);
  } catch (error) {
    expect(error).toBeInstanceOf(ProofError);
    expect((error as ProofError).code).toBe('PROOF_BAD_INPUT');
    return (error as ProofError).message;
  }
  throw new Error(`accepted ${text.slice(0, 80)}`);
}

/** `levels` arrays and objects, alternating, around a string. */
function nested(levels: number): string {
  let text = '"leaf"';
  for (let i = 0; i < levels; i++) text = i % 2 === 0 ? `[${text}]` : `{"k":${text}}`;
  return text;
}

describe('parseStrictJson', () => {
  it('gives what JSON.parse gives for any JSON without repeated keys, compact or pretty', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const compact = JSON.stringify(value);
        expect(parseStrictJson(compact, 'x', BUNDLE)).toEqual(JSON.parse(compact));
        const pretty = JSON.stringify(value, null, 2);
        expect(parseStrictJson(pretty, 'x', BUNDLE)).toEqual(JSON.parse(pretty));
      }),
    );
  });

  it('refuses a repeated key anywhere, naming the object that repeats it', () => {
    expect(refusal('{"format":1,"format":2}')).toBe('bundle: duplicate key "format"');
    expect(refusal('{"steps":[{},{},{},{"envelope":{"params":1,"status":"x","params":2}}]}')).toBe(
      'bundle: steps[3].envelope: duplicate key "params"',
    );
    expect(refusal('{"plan":{"steps":[{"a":1},{"a":1,"b":{"c":[1,{"d":0,"d":0}]}}]}}')).toBe(
      'bundle: plan.steps[1].b.c[1]: duplicate key "d"',
    );
  });

  it('refuses any object text that repeats one of its keys, however deep it sits', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1 }),
        fc.nat(),
        fc.nat({ max: 5 }),
        (record, pick, depth) => {
          const names = Object.keys(record);
          const repeated = names[pick % names.length] as string;
          let text = `${JSON.stringify(record).slice(0, -1)},${JSON.stringify(repeated)}:null}`;
          for (let i = 0; i < depth; i++) text = `[${text}]`;
          expect(refusal(text)).toContain(`: duplicate key `);
        },
      ),
    );
  });

  it('compares key names as JSON.parse decodes them', () => {
    expect(refusal('{"a":1,"\\u0061":2}')).toBe('bundle: duplicate key "a"');
    expect(refusal('{"__proto__":1,"__proto__":2}')).toBe('bundle: duplicate key "__proto__"');
    // Escaped quotes, brackets and colons inside strings are not structure.
    const tricky = '{"k\\"":"[{:","x":"\\\\","y":{"\\\\\\"":"}]"}}';
    expect(parseStrictJson(tricky, 'x', BUNDLE)).toEqual(JSON.parse(tricky));
    expect(refusal('{"k\\"":"[{:","x":"\\\\","y":{"\\\\\\"":"}]","\\\\\\"":0}}')).toBe(
      'bundle: y: duplicate key "\\\\\\""',
    );
    // The same name in sibling or nested objects is no repeat.
    expect(parseStrictJson('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}', 'x', BUNDLE)).toBeDefined();
  });

  it('names a member that is not an identifier in brackets', () => {
    expect(refusal('{"odd key":{"n":1,"n":1}}')).toBe('bundle: ["odd key"]: duplicate key "n"');
  });

  it(`accepts ${JSON_MAX_DEPTH} levels of nesting and refuses ${JSON_MAX_DEPTH + 1}, naming where`, () => {
    expect(parseStrictJson(nested(64), 'x', BUNDLE)).toBeDefined();
    expect(refusal(nested(65))).toMatch(/^bundle: \[0\](\.k|\[0\]){63}: nesting deeper than 64 levels$/);
    const plan = `{"plan":{"steps":[${nested(62)}]}}`;
    expect(refusal(plan)).toMatch(/^bundle: plan\.steps\[0\]\.k\[0\]\S*: nesting deeper than 64 levels$/);
  });

  it('refuses 100,000 levels without overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(refusal(deep)).toMatch(/: nesting deeper than 64 levels$/);
  });

  it('judges a piece of a document where it sits in the document', () => {
    const place = { subject: 'bundle', path: 'steps[7]', depth: 2 };
    expect(parseStrictJson(nested(62), 'x', place)).toBeDefined();
    expect(refusal(nested(63), place)).toMatch(/^bundle: steps\[7\]\[0\]\S*: nesting deeper than 64 levels$/);
    expect(refusal('{"envelope":{"a":1,"a":1}}', place)).toBe('bundle: steps[7].envelope: duplicate key "a"');
  });

  it('says which input is not JSON', () => {
    expect(() => parseStrictJson('{ nope', 'bundle.json', BUNDLE)).toThrow(/^bundle\.json is not JSON: /);
  });
});
