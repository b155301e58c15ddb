import { SkillError, type SkillEnv } from './skill-types';

/** The value of `name` in `env`, or undefined when unset or blank. */
export function readSetting(env: SkillEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The value of a setting a skill cannot work without.
 * Unset → a non-retryable `not_configured` error naming the setting, never a pretend success.
 */
export function requireSetting(env: SkillEnv, skill: string, name: string, hint?: string): string {
  const value = readSetting(env, name);
  if (value === undefined) throw notConfigured(skill, `set ${name}${hint ? ` ${hint}` : ''}`);
  return value;
}

/** `<skill> is not configured: <what to do>`, non-retryable. */
export function notConfigured(skill: string, whatToDo: string): SkillError {
  return new SkillError('not_configured', `${skill} is not configured: ${whatToDo}`, {
    retryable: false,
    outcomeCode: 'NOT_CONFIGURED',
  });
}

/** A numeric setting with a default; a value that is not a number in range is a configuration error. */
export function readNumberSetting(
  env: SkillEnv,
  name: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
): number {
  const raw = readSetting(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (
    !Number.isFinite(value) ||
    value < range.min ||
    value > range.max ||
    (range.integer && !Number.isInteger(value))
  ) {
    throw new SkillError(
      'not_configured',
      `${name} must be ${range.integer ? 'an integer' : 'a number'} between ${range.min} and ${range.max}, got "${raw}"`,
      { retryable: false, outcomeCode: 'NOT_CONFIGURED' },
    );
  }
  return value;
}

/** A base URL setting, checked to be http(s) and returned without a trailing slash. */
export function requireBaseUrl(env: SkillEnv, skill: string, name: string, fallback?: string): string {
  const raw = readSetting(env, name) ?? fallback;
  if (raw === undefined) throw notConfigured(skill, `set ${name}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw notConfigured(skill, `${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw notConfigured(skill, `${name} must be an http:// or https:// URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** Rounds a cost to a millionth of a cent so float noise never reaches the ledger. */
export function roundCents(cents: number): number {
  return Math.round(cents * 1e6) / 1e6;
}

/**
 * Rounds an estimate up to a millionth of a cent, so that a reservation of the estimate pays
 * for everything it was computed from and a cost rounded by {@link roundCents} never exceeds it.
 */
export function ceilCents(cents: number): number {
  // The offset keeps float noise from adding a unit: (258 / 1000) * 0.2 * 1e6 is 51600.00000000001.
  return Math.ceil(cents * 1e6 - 1e-6) / 1e6;
}
