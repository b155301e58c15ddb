import { UUID_PATTERN } from '@aos/proof';
import { z } from 'zod';
import { InvalidInputError } from './errors';

const NO_NUL = (value: string): boolean => !value.includes('\u0000');
const NO_CONTROL = (value: string): boolean => !hasControlCharacters(value);

/** True when `value` holds a C0 control character or DEL (ids and names must not). */
export function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A short single-line identifier-like text (names, keys): 1..`max` characters, no control characters. */
export function labelSchema(max: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(NO_CONTROL, 'must not contain control characters');
}

/** A tenant id: 1..200 printable characters. */
export const tenantIdSchema = labelSchema(200);

/** A UUID in canonical text form. */
export const uuidSchema = z.string().trim().toLowerCase().regex(UUID_PATTERN, 'must be a UUID');

/** Longest goal accepted, in bytes of UTF-8 (64 KiB): the one limit of every face (SPEC §11). */
export const MAX_GOAL_BYTES = 64 * 1024;

const utf8 = new TextEncoder();

/**
 * A goal: non-blank text of at most {@link MAX_GOAL_BYTES} bytes of UTF-8, no NUL.
 *
 * @example
 * ```ts
 * goalSchema.parse('echo hello'); // 'echo hello'
 * ```
 */
export const goalSchema = z
  .string()
  .refine((v) => v.trim() !== '', 'must not be blank')
  .superRefine((v, ctx) => {
    // Cheap first: no string of at most MAX/3 UTF-16 units can exceed the limit in UTF-8.
    if (v.length * 3 <= MAX_GOAL_BYTES) return;
    const bytes = utf8.encode(v).length;
    if (bytes > MAX_GOAL_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${MAX_GOAL_BYTES} bytes (64 KiB) of UTF-8, got ${bytes}`,
      });
    }
  })
  .refine(NO_NUL, 'must not contain NUL characters');

/** An origin system id: non-empty, and never `legacy-migration` (reserved for imported records). */
export const originSystemIdSchema = labelSchema(200).refine(
  (v) => v !== 'legacy-migration',
  '"legacy-migration" is reserved',
);

/**
 * Parses `value` with `schema`, turning the first zod issue into a one-line
 * {@link InvalidInputError} that names the field.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [field, ...(issue?.path ?? [])].join('.');
  throw new InvalidInputError(`invalid ${path}: ${issue?.message ?? 'invalid value'}`, {
    field: path,
    cause: result.error,
  });
}
