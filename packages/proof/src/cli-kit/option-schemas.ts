import { z } from 'zod';
import { UsageError } from './errors';

/**
 * `--database-url`: a `postgres://` or `postgresql://` URL; absent means `DATABASE_URL`, or the
 * embedded database.
 *
 * @example
 * ```ts
 * parseOptions(z.object({ databaseUrl: databaseUrlOption }), { databaseUrl: 'mysql://x' });
 * // UsageError: --database-url: must be a postgres:// or postgresql:// URL
 * ```
 */
export const databaseUrlOption = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// or postgresql:// URL')
  .refine((value) => URL.canParse(value), 'is not a valid URL (a password with @, : or / must be percent-encoded)')
  .optional();

/**
 * The database URL a local command uses: `given` (`--database-url`, already checked) or else
 * `DATABASE_URL`, held to the same rule as the flag — a bad one is a usage error naming
 * `DATABASE_URL` (exit 2, nothing opened). Empty or unset: undefined (the embedded database).
 *
 * @example
 * ```ts
 * databaseUrlOf(undefined, { DATABASE_URL: 'mysql://x' });
 * // UsageError: DATABASE_URL: must be a postgres:// or postgresql:// URL
 * ```
 */
export function databaseUrlOf(given: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (given !== undefined) return given;
  if (env.DATABASE_URL === undefined || env.DATABASE_URL === '') return undefined;
  const result = databaseUrlOption.safeParse(env.DATABASE_URL);
  if (!result.success) {
    throw new UsageError(`DATABASE_URL: ${result.error.issues[0]?.message ?? 'invalid value'}`, {
      code: 'INVALID_INPUT',
      cause: result.error,
    });
  }
  return result.data;
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration flag such as `15m`, `30s`, `2h`, `500ms`, `1d`, or `0`, parsed to milliseconds. A bare
 * number other than 0 is refused: `15` could mean seconds or minutes.
 *
 * @example
 * ```ts
 * durationOption.parse('15m'); // 900000
 * ```
 */
export const durationOption = z
  .string()
  .trim()
  .transform((text, ctx) => {
    if (text === '0') return 0;
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30s, 15m, 2h, 1d or 0` });
      return z.NEVER;
    }
    const value = Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
    if (!Number.isSafeInteger(Math.round(value))) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is too long` });
      return z.NEVER;
    }
    return Math.round(value);
  });

/**
 * A flag given as text (yargs `type: 'string'`) that must be a non-negative amount of cents, at
 * most 1e12; fractions of a cent are allowed.
 *
 * @example
 * ```ts
 * centsOption.parse('12.5'); // 12.5
 * ```
 */
export const centsOption = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative number of cents')
  .transform(Number)
  .pipe(z.number().finite().max(1e12, 'must be at most 1e12 cents'));

/**
 * A flag given as text (yargs `type: 'string'`) that must be a whole number from `min` to `max`,
 * written in decimal digits: `1e3`, `0x10`, `-1` or `1.5` are refused rather than read as numbers.
 *
 * @example
 * ```ts
 * wholeNumberOption(0, 65_535).parse('8080'); // 8080
 * wholeNumberOption(1, 1000).safeParse('0x10').success; // false: "must be a whole number from 1 to 1000"
 * ```
 */
export function wholeNumberOption(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string({ error: message })
    .trim()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
}

/**
 * A flag given as text (yargs `type: 'string'`) that must be a whole number from 1 to 1e9 (limits,
 * counts, batch sizes). Text, so that `1e3` or `0x10` are refused rather than read as numbers.
 *
 * @example
 * ```ts
 * positiveIntOption.parse('50'); // 50
 * ```
 */
export const positiveIntOption = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a positive whole number')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1').max(1_000_000_000, 'must be at most 1000000000'));
