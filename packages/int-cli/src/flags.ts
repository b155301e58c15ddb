import { InvalidInputError } from '@aos/core/cli';
import { z } from 'zod';

/** Options every command accepts. */
export interface GlobalOptions {
  readonly json: boolean;
  readonly databaseUrl: string | undefined;
}

/** `--database-url`, when given, must name a postgres:// server (it overrides DATABASE_URL). */
export const DatabaseUrlSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
  .optional();

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration such as `15m`, `30s`, `2h`, `500ms`, `1d`, or `0`, in milliseconds.
 * A bare number other than 0 is refused: `15` could mean seconds or minutes.
 */
export const DurationSchema = z
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

/** A flag value that must be a non-negative amount of cents. */
export const CentsFlagSchema = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative number of cents')
  .transform(Number)
  .pipe(z.number().finite().max(1e12, 'must be at most 1e12 cents'));

/** A positive whole number flag (limits, counts). */
export const PositiveIntFlagSchema = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a positive whole number')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1').max(1_000_000_000, 'must be at most 1000000000'));

function flagName(key: PropertyKey | undefined): string {
  return typeof key === 'string' ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'options';
}

/**
 * Validates a command's options with `schema`; the first problem becomes a one-line usage
 * error naming the flag as typed (`--daily-cents: must be …`), so nothing is written.
 */
export function parseFlags<T>(schema: z.ZodType<T>, values: unknown): T {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const flag = flagName(issue?.path[0]);
  throw new InvalidInputError(`${flag}: ${issue?.message ?? 'invalid value'}`, { field: flag, cause: result.error });
}
