import { z } from 'zod';
import type { JsonValue } from '../db/schema';

/**
 * Where in `value` the first string (or object key) holding a NUL character is, or undefined.
 * Postgres text and jsonb cannot store U+0000, so such params could never reach the trace.
 */
export function findNulCharacter(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNulCharacter(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...path, key];
      const found = findNulCharacter(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Formats a zod-style issue path as `a.b[0].c`. */
export function formatParamPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** zod refinement: refuses any string (or key) that contains U+0000, naming where it is. */
export function rejectNulCharacters(value: unknown, ctx: z.RefinementCtx): void {
  const path = findNulCharacter(value);
  if (path) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `${formatParamPath(path)} contains a NUL character (\\u0000), which params may not contain`,
    });
  }
}

/**
 * A skill's params object: unknown keys refused, NUL characters refused anywhere inside.
 * Params come from planners (possibly an LLM) and users, so every skill uses this.
 *
 * @example
 * ```ts
 * const schema = strictParams({ message: boundedString(10_000) })
 * ```
 */
export function strictParams<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.object(shape).strict().superRefine(rejectNulCharacters);
}

/** A string of 1..`max` characters (or 0..max with `{ allowEmpty: true }`). */
export function boundedString(max: number, options: { allowEmpty?: boolean } = {}) {
  return z
    .string()
    .min(options.allowEmpty ? 0 : 1)
    .max(max);
}

/** A single-line string: header values and mail headers must not smuggle extra lines. */
export function singleLineString(max: number) {
  return boundedString(max).regex(/^[^\r\n]*$/, 'must be a single line (no CR or LF)');
}

/** Any JSON value whose serialised form is at most `maxBytes` UTF-8 bytes. */
export function boundedJson(maxBytes: number) {
  return z.json().superRefine((value, ctx) => {
    const size = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
    if (size > maxBytes) {
      ctx.addIssue({ code: 'custom', message: `is ${size} bytes of JSON; at most ${maxBytes} are allowed` });
    }
  });
}

/** An absolute http:// or https:// URL without credentials in it. */
export function httpUrlString() {
  return z
    .string()
    .min(1)
    .max(4096)
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${truncate(value, 200)}" is not an absolute URL` });
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: `must be an http:// or https:// URL, got ${url.protocol}//` });
      }
    });
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
// The client sets these itself; letting params override them enables request smuggling.
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
  'trailer',
]);

/** Request headers given in params: at most 50, valid names, single-line values, no framing headers. */
export function requestHeaders() {
  return z.record(z.string(), z.string().max(8192)).superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > 50)
      ctx.addIssue({ code: 'custom', message: `has ${names.length} headers; at most 50 are allowed` });
    for (const name of names) {
      if (!HEADER_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `"${truncate(name, 80)}" is not a valid header name` });
      } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: [name], message: `header ${name} is set by AOS and may not be given` });
      }
      if (/[\r\n]/.test(headers[name] ?? '')) {
        ctx.addIssue({ code: 'custom', path: [name], message: `header ${name} must be a single line (no CR or LF)` });
      }
    }
  });
}

/** Shortens a string for an error message. */
export function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}…`;
}

/** Replaces NUL characters in every string (and key) of a JSON value, for outputs that reach jsonb. */
export function replaceNulCharacters(value: JsonValue): JsonValue {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  if (Array.isArray(value)) return value.map(replaceNulCharacters);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key.replaceAll('\u0000', '\uFFFD'), {
        value: replaceNulCharacters(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
