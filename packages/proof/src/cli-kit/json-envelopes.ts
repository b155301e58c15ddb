import { z } from 'zod';

/**
 * `{"error":{"code","message"}}`: what every bin prints on stdout for any failure under `--json`,
 * usage errors included.
 *
 * @example
 * ```ts
 * const { error } = ErrorJsonSchema.parse(JSON.parse(stdout));
 * ```
 */
export const ErrorJsonSchema = z.strictObject({
  error: z.strictObject({ code: z.string().regex(/^[A-Z][A-Z0-9_]+$/), message: z.string().min(1) }),
});

/**
 * `--version --json`: `{"version":"…"}`.
 *
 * @example
 * ```ts
 * VersionJsonSchema.parse(JSON.parse(stdout)).version; // '0.1.0'
 * ```
 */
export const VersionJsonSchema = z.strictObject({ version: z.string().min(1) });

/**
 * `--help --json`: the help text as one string, `{"help":"…"}`.
 *
 * @example
 * ```ts
 * HelpJsonSchema.parse(JSON.parse(stdout)).help.includes('--json'); // true
 * ```
 */
export const HelpJsonSchema = z.strictObject({ help: z.string().min(1) });
