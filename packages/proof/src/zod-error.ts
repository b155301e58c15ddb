import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini (tree-shakable: the browser verifier stays small) ships no messages; each parse gets
// the English ones, passed per call rather than set globally, so the library changes no
// zod setting of the application that loads it.
const ENGLISH: z.core.$ZodErrorMap = en().localeError;

/**
 * `schema.safeParse(value)` with English messages, as every schema of this package is read.
 */
export function safeParseSchema<T extends z.core.$ZodType>(
  schema: T,
  value: unknown,
): z.core.util.SafeParseResult<z.output<T>> {
  return z.safeParse(schema, value, { error: ENGLISH });
}

/** `steps[3].envelope: …` from a zod error: the first issue, with its path. */
export function describeZodError(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  let path = '';
  for (const segment of issue.path) {
    path += typeof segment === 'number' ? `[${segment}]` : `${path === '' ? '' : '.'}${String(segment)}`;
  }
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
