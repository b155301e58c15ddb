import type { JsonValue } from '../db/schema';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Makes a value from the outside world storable in jsonb and identical after the round
 * trip: drops undefined and non-JSON values (as JSON.stringify does), and replaces NUL
 * characters and lone surrogates (which Postgres refuses) with U+FFFD, in values and in keys.
 */
export function toStorableJson(value: unknown): JsonValue {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string') return cleanString(v);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v);
    if (!entries.some(([key]) => cleanString(key) !== key)) return v;
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      // defineProperty: a key named "__proto__" stays an ordinary key.
      Object.defineProperty(out, cleanString(key), {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  });
  if (text === undefined) return null;
  return capDepth(JSON.parse(text) as JsonValue, 0);
}

/**
 * How deep stored params and outcomes may nest. Verifiers refuse JSON nested deeper than 64
 * levels (docs/proof.md), and a bundle holds a value 4 levels down
 * (`steps[i].envelope.outcome_data`), so anything deeper is cut here, before hashing, rather
 * than sealed into a record no verifier would read.
 */
export const MAX_STORED_DEPTH = 56;

function capDepth(value: JsonValue, depth: number): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_STORED_DEPTH) return `[truncated: nested deeper than ${MAX_STORED_DEPTH} levels]`;
  if (Array.isArray(value)) return value.map((item) => capDepth(item, depth + 1));
  const out: { [key: string]: JsonValue } = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, key, {
      value: capDepth(item, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function cleanString(value: string): string {
  return value.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * Why Postgres cannot store `text` (in text or jsonb), or undefined when it can: a NUL
 * character, or a lone UTF-16 surrogate. Written with escapes, so the reason itself is storable.
 *
 * @example
 * ```ts
 * unstorableCharacter('k\u0000'); // 'a NUL character (\\u0000)'
 * ```
 */
export function unstorableCharacter(text: string): string | undefined {
  if (text.includes('\u0000')) return 'a NUL character (\\u0000)';
  const lone = LONE_SURROGATE.exec(text);
  if (lone === null) return undefined;
  return `a lone surrogate (\\u${lone[0].charCodeAt(0).toString(16).padStart(4, '0')})`;
}

/** Where {@link findUnstorableText} found a string Postgres cannot store, and why. */
export interface UnstorableText {
  /** Path of the value (for a key: of the member the key names). */
  readonly path: (string | number)[];
  /** True when the object key at `path` is at fault, false when the string value is. */
  readonly inKey: boolean;
  /** What is wrong with it, from {@link unstorableCharacter}. */
  readonly problem: string;
}

/**
 * The first string value or object key in `value` that Postgres cannot store (see
 * {@link unstorableCharacter}), depth first in property order; undefined when there is none.
 *
 * @example
 * ```ts
 * findUnstorableText({ a: [{ 'k\u0000': 1 }] }); // { path: ['a', 0, 'k\u0000'], inKey: true, problem: 'a NUL character (\\u0000)' }
 * ```
 */
export function findUnstorableText(value: unknown, path: (string | number)[] = []): UnstorableText | undefined {
  if (typeof value === 'string') {
    const problem = unstorableCharacter(value);
    return problem === undefined ? undefined : { path, inKey: false, problem };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, index]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = unstorableCharacter(key);
      if (problem !== undefined) return { path: [...path, key], inKey: true, problem };
      const found = findUnstorableText(item, [...path, key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * `text` with every NUL character and lone surrogate written as a `\uXXXX` escape, so a message
 * that quotes outside text can be stored and still shows what was there.
 *
 * @example
 * ```ts
 * escapeUnstorableText('bad \u0000 key'); // 'bad \\u0000 key'
 * ```
 */
export function escapeUnstorableText(text: string): string {
  return text
    .replaceAll('\u0000', '\\u0000')
    .replace(LONE_SURROGATES, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
