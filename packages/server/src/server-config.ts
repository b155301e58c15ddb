import { CliError, EXIT_CODES } from '@aos/proof/cli-kit';
import { z } from 'zod';
import type { AppOptions } from './app';

const Millis = z.coerce.number().int().min(0).max(86_400_000);

// Environment variables of aos-server (docs/api.md, "Environment"); absent or empty = default.
const ENV_SETTINGS = {
  AOS_REQUEST_TIMEOUT_MS: { key: 'requestTimeoutMs', schema: Millis },
  AOS_RATE_LIMIT_MAX: { key: 'rateLimitMax', schema: z.coerce.number().int().min(1).max(1_000_000_000) },
  AOS_RATE_LIMIT_WINDOW_MS: { key: 'rateLimitWindowMs', schema: Millis.min(1) },
  AOS_SHUTDOWN_TIMEOUT_MS: { key: 'shutdownTimeoutMs', schema: Millis },
} as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The app options the environment sets; a bad value is a start-up refusal (exit 1) naming the
 * variable.
 *
 * @example
 * ```ts
 * const options = appOptionsFromEnv({ AOS_RATE_LIMIT_MAX: '100' }) // { rateLimitMax: 100, … }
 * ```
 */
export function appOptionsFromEnv(env: NodeJS.ProcessEnv): AppOptions {
  const options: Record<string, unknown> = {};
  for (const [name, { key, schema }] of Object.entries(ENV_SETTINGS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new CliError(
        'CONFIG_INVALID',
        `${name}=${raw.slice(0, 40)}: ${parsed.error.issues[0]?.message ?? 'invalid value'}`,
        EXIT_CODES.operational,
      );
    }
    options[key] = parsed.data;
  }
  const level = env.AOS_LOG_LEVEL;
  if (level !== undefined && level !== '') {
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new CliError(
        'CONFIG_INVALID',
        `AOS_LOG_LEVEL=${level.slice(0, 40)}: must be one of ${LOG_LEVELS.join(', ')}`,
        EXIT_CODES.operational,
      );
    }
    options.log = { level };
  }
  return options;
}
