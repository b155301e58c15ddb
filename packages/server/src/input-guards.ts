import { HttpError } from './errors';

/** Deepest nesting of arrays and objects a request may carry (SPEC §11). */
export const MAX_NESTING = 64;

/** The largest request body, in bytes (SPEC §11). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Refuses (400 INVALID_INPUT, naming where) a NUL character in any string or object key of
 * `value`, and arrays or objects nested deeper than {@link MAX_NESTING}. Iterative, so a hostile
 * document cannot exhaust the stack; it stops at the first problem.
 *
 * @example
 * ```ts
 * refuseUnsafeInput(request.body, 'body') // throws for { "na\u0000me": 1 }
 * ```
 */
export function refuseUnsafeInput(value: unknown, where: string): void {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: where, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: item, path, depth } = next;
    if (typeof item === 'string') {
      if (item.includes('\u0000'))
        throw new HttpError(400, 'INVALID_INPUT', `${path}: must not contain NUL characters`);
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > MAX_NESTING) {
      throw new HttpError(400, 'INVALID_INPUT', `${where}: nested deeper than ${MAX_NESTING} levels`);
    }
    if (Array.isArray(item)) {
      item.forEach((element, index) => pending.push({ value: element, path: `${path}[${index}]`, depth: depth + 1 }));
      continue;
    }
    for (const [key, element] of Object.entries(item)) {
      if (key.includes('\u0000')) {
        throw new HttpError(400, 'INVALID_INPUT', `${path}: an object key must not contain NUL characters`);
      }
      pending.push({ value: element, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
}
