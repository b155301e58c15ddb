import { ProofError } from './errors';
import { JSON_MAX_DEPTH } from './strict-json';

/**
 * Deeper nesting is refused (docs/proof.md), which also stops a cyclic value from overflowing the
 * stack. The check costs one comparison per array or object, which was already made.
 */
const MAX_DEPTH = JSON_MAX_DEPTH;

// One test finds every string that is not copied verbatim: the characters JSON.stringify
// escapes (quote, backslash, C0 controls) and surrogates, which need a closer look.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOT_VERBATIM = /["\\\u0000-\u001F\uD800-\uDFFF]/;
// In a /u regex a surrogate pair is one code point, so this only matches lone surrogates,
// which I-JSON (and so RFC 8785) forbids and Postgres jsonb refuses to store.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

// Member names repeat across the rows of a chain: their serialised form `"name":` is kept,
// up to a bound, so hashing a long chain does not re-escape the same names a million times.
const MEMBER_NAME_CACHE_LIMIT = 10_000;
const memberNames = new Map<string, string>();

/** Thrown inside the serializer; collects the JSON path on its way out. */
class CanonicalizeFailure extends Error {
  readonly path: string[] = [];
  constructor(readonly problem: string) {
    super(problem);
  }
}

/**
 * RFC 8785 (JCS) canonical JSON text of `value`: no whitespace, object members sorted by the
 * UTF-16 code units of their names, strings escaped as ECMAScript `JSON.stringify` does,
 * numbers written as ECMAScript `Number.prototype.toString` (so `-0` is `0`, `1e21` is
 * `1e+21`).
 *
 * Accepted: `null`, booleans, finite numbers, strings without lone surrogates, arrays and
 * plain objects (prototype `Object.prototype` or `null`) of those. An object member whose value
 * is `undefined` is treated as absent, as `JSON.stringify` does. Everything else — NaN,
 * ±Infinity, bigint, functions, symbols, `undefined` at the top or inside an array, class
 * instances such as `Date` or `Buffer` (convert them first), nesting deeper than 64 levels or
 * a cycle — throws a {@link ProofError} `PROOF_BAD_VALUE` naming the JSON path.
 *
 * @example
 * ```ts
 * canonicalize({ b: [1e21, -0, 'é'], a: null }); // '{"a":null,"b":[1e+21,0,"é"]}'
 * ```
 */
export function canonicalize(value: unknown): string {
  try {
    if (value === undefined) throw new CanonicalizeFailure('undefined is not JSON');
    return serialize(value, 0);
  } catch (error) {
    if (error instanceof CanonicalizeFailure) {
      const where = `$${error.path.join('')}`;
      throw new ProofError('PROOF_BAD_VALUE', `cannot canonicalize ${where}: ${error.problem}`);
    }
    throw error;
  }
}

function serialize(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalizeFailure(`${value} is not a JSON number`);
      // String(-0) is already "0"; String(n) is exactly ECMAScript Number::toString.
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) {
        throw new CanonicalizeFailure(`nesting deeper than ${MAX_DEPTH} levels (or a cycle)`);
      }
      if (Array.isArray(value)) return serializeArray(value, depth);
      return serializeObject(value, depth);
    case 'undefined':
      throw new CanonicalizeFailure('undefined is not JSON (use null)');
    default:
      throw new CanonicalizeFailure(`a ${typeof value} is not JSON`);
  }
}

function serializeString(value: string): string {
  if (!NOT_VERBATIM.test(value)) return `"${value}"`;
  if (LONE_SURROGATE.test(value)) {
    throw new CanonicalizeFailure('a string with a lone UTF-16 surrogate is not I-JSON');
  }
  return JSON.stringify(value);
}

function serializeMemberName(name: string): string {
  let serialized = memberNames.get(name);
  if (serialized === undefined) {
    serialized = `${serializeString(name)}:`;
    if (memberNames.size < MEMBER_NAME_CACHE_LIMIT) memberNames.set(name, serialized);
  }
  return serialized;
}

/**
 * Member names in UTF-16 code unit order (RFC 8785 §3.2.3), which is what the default sort
 * compares. Objects that already list their members in that order (envelopes built by this
 * package, and JSON written from them) skip the sort.
 */
function sortedMemberNames(record: object): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  }
  return keys;
}

function serializeArray(value: readonly unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ',';
    try {
      out += serialize(value[i], depth + 1);
    } catch (error) {
      if (error instanceof CanonicalizeFailure) error.path.unshift(`[${i}]`);
      throw error;
    }
  }
  return `${out}]`;
}

function serializeObject(value: object, depth: number): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    throw new CanonicalizeFailure(
      `a ${typeof name === 'string' && name !== '' ? name : 'non-plain object'} is not JSON ` +
        '(convert it to a plain value first)',
    );
  }
  const record = value as Record<string, unknown>;
  const keys = sortedMemberNames(record);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    try {
      out += serializeMemberName(key) + serialize(member, depth + 1);
    } catch (error) {
      if (error instanceof CanonicalizeFailure) error.path.unshift(pathSegment(key));
      throw error;
    }
  }
  return `${out}}`;
}

function pathSegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
