import type { JsonValue } from '../db/schema';

/** One step of a path: an object key or an array index. */
export type JsonPathSegment = { readonly key: string } | { readonly index: number };

/** A path that does not follow the syntax; the message names the path and the position. */
export class JsonPathSyntaxError extends Error {
  constructor(path: string, position: number, problem: string) {
    super(`invalid path "${path}": ${problem} at position ${position}`);
    this.name = 'JsonPathSyntaxError';
  }
}

const KEY_CHAR = /[^.[\]\s"]/;

/**
 * Parses the path syntax of json_transform: dot-separated keys and bracketed indexes,
 * `a.b[0].c`; an optional leading `$` (`$` alone is the whole payload); `["any key"]` (a JSON
 * string) for keys with dots, spaces or brackets. A key made of digits also indexes an array.
 *
 * @example
 * ```ts
 * parseJsonPath('data.items[0]["display name"]') // [{key:'data'},{key:'items'},{index:0},{key:'display name'}]
 * ```
 */
export function parseJsonPath(path: string): JsonPathSegment[] {
  const segments: JsonPathSegment[] = [];
  let i = 0;
  if (path.startsWith('$')) {
    i = 1;
    if (path.length > 1 && path[1] !== '.' && path[1] !== '[') {
      throw new JsonPathSyntaxError(path, 1, 'expected "." or "[" after "$"');
    }
  } else if (path === '') {
    throw new JsonPathSyntaxError(path, 0, 'empty path');
  } else if (path[0] !== '[') {
    i = readKey(path, 0, segments);
  }
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i = readKey(path, i + 1, segments);
    } else if (c === '[') {
      i = readBracket(path, i, segments);
    } else {
      throw new JsonPathSyntaxError(path, i, `unexpected "${c}"`);
    }
  }
  return segments;
}

function readKey(path: string, start: number, segments: JsonPathSegment[]): number {
  let end = start;
  while (end < path.length && KEY_CHAR.test(path[end] ?? '')) end++;
  if (end === start) {
    throw new JsonPathSyntaxError(
      path,
      start,
      end < path.length ? `unexpected "${path[end]}"` : 'missing key after "."',
    );
  }
  segments.push({ key: path.slice(start, end) });
  return end;
}

function readBracket(path: string, start: number, segments: JsonPathSegment[]): number {
  const close = path[start + 1] === '"' ? findClosingQuote(path, start + 1) + 1 : path.indexOf(']', start);
  if (close <= start || path[close] !== ']') throw new JsonPathSyntaxError(path, start, 'unclosed "["');
  const inner = path.slice(start + 1, close);
  if (/^(0|[1-9]\d{0,8})$/.test(inner)) {
    segments.push({ index: Number(inner) });
  } else if (inner.startsWith('"')) {
    let key: unknown;
    try {
      key = JSON.parse(inner);
    } catch {
      key = undefined;
    }
    if (typeof key !== 'string') throw new JsonPathSyntaxError(path, start + 1, 'bad quoted key');
    segments.push({ key });
  } else {
    throw new JsonPathSyntaxError(path, start + 1, `"[${inner}]" is neither an index (0, 1, …) nor a quoted key`);
  }
  return close + 1;
}

function findClosingQuote(path: string, open: number): number {
  for (let i = open + 1; i < path.length; i++) {
    if (path[i] === '\\') i++;
    else if (path[i] === '"') return i;
  }
  return -1;
}

/**
 * The value at `segments` inside `value`, or undefined when any step is missing (absent key,
 * index out of range, stepping into a scalar). Only own keys count: `constructor` is not found
 * in `{}`.
 */
export function readJsonPath(value: JsonValue, segments: readonly JsonPathSegment[]): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const segment of segments) {
    if (current === undefined || current === null || typeof current !== 'object') return undefined;
    if ('index' in segment) {
      current = Array.isArray(current) ? current[segment.index] : undefined;
    } else if (Array.isArray(current)) {
      current = /^(0|[1-9]\d*)$/.test(segment.key) ? current[Number(segment.key)] : undefined;
    } else {
      current = Object.hasOwn(current, segment.key) ? current[segment.key] : undefined;
    }
  }
  return current;
}
