import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { CliError, EXIT_CODES } from '@aos/proof/cli-kit';

// Profiles of `cus-cli login`: one JSON file per profile under $XDG_CONFIG_HOME/aos/profiles/
// (default ~/.config/aos/), and `active-profile` naming the one in use. The directory is 0700 and
// every file 0600: a profile holds an API key.

/** A profile name: letters, digits, `.`, `_` and `-` (it is a file name). */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const DEFAULT_PROFILE = 'default';

const ProfileSchema = z.strictObject({
  api_url: z.string().url(),
  /** Removed by `logout`; the pinned keys stay. */
  api_key: z.string().min(1).nullable(),
  trusted_keys: z.array(z.string().min(1)),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** Where profiles live for this environment. */
export function configDir(env: NodeJS.ProcessEnv): string {
  const base =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'aos');
}

const profilesDir = (env: NodeJS.ProcessEnv): string => join(configDir(env), 'profiles');
const profileFile = (env: NodeJS.ProcessEnv, name: string): string => join(profilesDir(env), `${name}.json`);
const activeFile = (env: NodeJS.ProcessEnv): string => join(configDir(env), 'active-profile');

function checkName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new CliError(
      'INVALID_INPUT',
      `--profile: ${JSON.stringify(name)} is not a profile name (letters, digits, . _ -)`,
      EXIT_CODES.usage,
    );
  }
  return name;
}

/** The profile in use: `--profile`, else AOS_PROFILE, else the active-profile pointer (null when none). */
export function selectedProfileName(env: NodeJS.ProcessEnv, flag: string | undefined): string | null {
  if (flag !== undefined) return checkName(flag);
  if (env.AOS_PROFILE) return checkName(env.AOS_PROFILE);
  try {
    const name = readFileSync(activeFile(env), 'utf8').trim();
    return name === '' ? null : checkName(name);
  } catch {
    return null;
  }
}

/** Reads a profile; null when it does not exist. A profile others can read is refused. */
export function readProfile(env: NodeJS.ProcessEnv, name: string): Profile | null {
  const file = profileFile(env, checkName(name));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new CliError(
      'CONFIG_INVALID',
      `${file} is readable by others: chmod 600 ${file} (it holds an API key)`,
      EXIT_CODES.usage,
    );
  }
  try {
    return ProfileSchema.parse(JSON.parse(text));
  } catch {
    throw new CliError(
      'CONFIG_INVALID',
      `${file} is not a cus-cli profile: remove it and run cus-cli login again`,
      EXIT_CODES.usage,
    );
  }
}

function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

function writePrivate(file: string, text: string): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, text, { mode: 0o600 });
    chmodSync(partial, 0o600);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Writes a profile (0600, in 0700 directories) and returns its file. */
export function writeProfile(env: NodeJS.ProcessEnv, name: string, profile: Profile): string {
  ensureDir(configDir(env));
  ensureDir(profilesDir(env));
  const file = profileFile(env, checkName(name));
  writePrivate(file, `${JSON.stringify(ProfileSchema.parse(profile), null, 2)}\n`);
  return file;
}

/** Makes `name` the active profile. */
export function activateProfile(env: NodeJS.ProcessEnv, name: string): void {
  ensureDir(configDir(env));
  writePrivate(activeFile(env), `${checkName(name)}\n`);
}

/** The file a profile is stored in (for messages). */
export function profilePath(env: NodeJS.ProcessEnv, name: string): string {
  return profileFile(env, name);
}
