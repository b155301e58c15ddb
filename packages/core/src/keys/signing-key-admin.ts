import { link, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSigningKey, isValidKeyName, parseVerifierKey, type SigningKey } from '@aos/proof';
import {
  DEFAULT_ORIGIN,
  readSigningKeyFile,
  resolveAosHome,
  SIGNING_KEY_FILE,
  writeTempSigningKey,
} from '@aos/proof/node';
import { AosError } from '../errors';
import {
  loadVerifierKeySet,
  readKeySetFile,
  recordCurrentKey,
  VERIFIER_KEYS_FILE,
  withKeySetLock,
  writeKeySetFile,
  type VerifierKeySet,
} from './verifier-key-set';

/** The public side of a signing key file and where it lives (never the secret). */
export interface SigningKeyInfo {
  /** The key file. */
  readonly path: string;
  readonly name: string;
  readonly keyId: string;
  /** `name+keyid+base64`, the C2SP verifier key to hand to verifiers. */
  readonly verifierKey: string;
}

/** What {@link generateSigningKeyFile} did. */
export interface GeneratedSigningKey {
  readonly key: SigningKeyInfo;
  /** The key set after the new key was recorded as current. */
  readonly keySet: VerifierKeySet;
  /** True when `AOS_SIGNING_KEY` is set, so the new file is not the key in use. */
  readonly shadowedByEnv: boolean;
}

/** What {@link rotateSigningKey} did. */
export interface RotatedSigningKey {
  /** The new signing key, now current. */
  readonly key: SigningKeyInfo;
  /** The key it replaced: now in the retired set, its private key kept at `backupPath` (0600). */
  readonly retired: Omit<SigningKeyInfo, 'path'> & { readonly retiredAt: string; readonly backupPath: string };
  /** The key set after the rotation: the new key, then every retired key (none is ever dropped). */
  readonly keySet: VerifierKeySet;
}

const BACKUP_PREFIX = `${SIGNING_KEY_FILE}.bak-`;

function infoOf(key: SigningKey, path: string): SigningKeyInfo {
  return { path, name: key.name, keyId: key.keyId, verifierKey: key.verifierKey };
}

/** `2026-02-09T18-12-00-986Z`: an ISO timestamp that is a portable file name. */
function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

function envKeyIsSet(env: NodeJS.ProcessEnv): boolean {
  const fromEnv = env.AOS_SIGNING_KEY;
  return fromEnv !== undefined && fromEnv.trim() !== '';
}

function checkedName(name: string): string {
  if (!isValidKeyName(name)) {
    throw new AosError(
      'INVALID_INPUT',
      `invalid key name ${JSON.stringify(name)}: must be non-empty, without spaces, '+' or control characters`,
    );
  }
  return name;
}

function internal(message: string, error: unknown): AosError {
  if (error instanceof AosError) return error;
  return new AosError('INTERNAL', `${message}: ${(error as Error).message}`, { cause: error });
}

/**
 * Creates the deployment's first signing key file `<AOS_HOME>/signing.key` (mode 0600) and
 * records its verifier key as the current key of the key set. An existing key file is never
 * replaced (INVALID_INPUT, nothing written): {@link rotateSigningKey} replaces one. The name
 * defaults to the newest key of the set (so checkpoint origins stay the same), else
 * `AOS_ORIGIN`, else `aos.local`.
 *
 * @example
 * ```ts
 * const { key } = await generateSigningKeyFile(process.env, { name: 'aos.example.com' })
 * console.log(key.verifierKey)
 * ```
 */
export async function generateSigningKeyFile(
  env: NodeJS.ProcessEnv,
  options: { name?: string | undefined } = {},
): Promise<GeneratedSigningKey> {
  const home = resolveAosHome(env);
  const file = join(home, SIGNING_KEY_FILE);
  const setFile = join(home, VERIFIER_KEYS_FILE);
  const key = await withKeySetLock(home, async () => {
    const existing = await readSigningKeyFile(file);
    if (existing) {
      throw new AosError(
        'INVALID_INPUT',
        `signing key file ${file} already exists (verifier key ${existing.verifierKey}); rotate it instead`,
      );
    }
    const content = await readKeySetFile(setFile);
    const newest = content?.current ?? content?.retired[0]?.verifier_key;
    const origin = env.AOS_ORIGIN?.trim();
    const name = checkedName(
      options.name ?? (newest ? parseVerifierKey(newest).name : origin ? origin : DEFAULT_ORIGIN),
    );
    const created = generateSigningKey(name);
    let temp: string | undefined;
    try {
      temp = await writeTempSigningKey(home, created);
      try {
        // link() never replaces an existing file: a key created meanwhile is not lost.
        await link(temp, file);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EEXIST') {
          throw new AosError(
            'INVALID_INPUT',
            `signing key file ${file} was created by another process meanwhile; nothing was replaced`,
          );
        }
        throw error;
      }
      await recordCurrentKey(setFile, created.verifierKey, new Date());
      return created;
    } catch (error) {
      throw internal(`cannot write signing key file ${file}`, error);
    } finally {
      if (temp) await unlink(temp).catch(() => undefined);
    }
  });
  return { key: infoOf(key, file), keySet: await loadVerifierKeySet(env), shadowedByEnv: envKeyIsSet(env) };
}

/**
 * Rotates the deployment's signing key file: a new key (named like the old one, so checkpoint
 * origins stay the same, unless `origin` is given) becomes `<AOS_HOME>/signing.key` and the
 * current key of the set; the old verifier key moves to the retired set dated `now`, and the
 * old private key is kept as `signing.key.bak-<timestamp>` (0600). No key is ever lost: runs
 * sealed before the rotation keep verifying against the set. The old key is kept before the
 * new one takes its place, and the set is written last under its lock; after a crash in
 * between, the next command that seals records the new key and retires the old one.
 *
 * Throws KEY_NOT_FOUND when there is no key file to rotate, INVALID_INPUT for an invalid
 * `origin` or when `AOS_SIGNING_KEY` is set (that key is rotated where it is configured).
 *
 * @example
 * ```ts
 * const { key, retired } = await rotateSigningKey(process.env)
 * console.log(`${retired.verifierKey} retired at ${retired.retiredAt}; now signing with ${key.verifierKey}`)
 * ```
 */
export async function rotateSigningKey(
  env: NodeJS.ProcessEnv,
  options: { origin?: string | undefined; now?: Date } = {},
): Promise<RotatedSigningKey> {
  if (envKeyIsSet(env)) {
    throw new AosError(
      'INVALID_INPUT',
      'AOS_SIGNING_KEY is set, so the key in use comes from the environment and is rotated there: ' +
        'set AOS_SIGNING_KEY to a new key and add the old verifier key to AOS_RETIRED_VERIFIER_KEYS',
    );
  }
  if (options.origin !== undefined) checkedName(options.origin);
  const home = resolveAosHome(env);
  const file = join(home, SIGNING_KEY_FILE);
  const setFile = join(home, VERIFIER_KEYS_FILE);
  const now = options.now ?? new Date();
  const rotated = await withKeySetLock(home, async () => {
    const old = await readSigningKeyFile(file);
    if (!old) {
      throw new AosError(
        'KEY_NOT_FOUND',
        `no signing key to rotate: ${file} does not exist (generate the first key instead)`,
      );
    }
    const content = (await readKeySetFile(setFile)) ?? { current: null, retired: [] };
    const created = generateSigningKey(options.origin ?? old.name);
    const backupPath = join(home, `${BACKUP_PREFIX}${fileTimestamp(now)}`);
    let temp: string | undefined;
    try {
      temp = await writeTempSigningKey(home, created);
      // link() refuses to overwrite: an earlier backup is never lost either.
      await link(file, backupPath);
      await rename(temp, file);
      temp = undefined;
    } catch (error) {
      throw internal(`cannot rotate signing key file ${file}`, error);
    } finally {
      if (temp) await unlink(temp).catch(() => undefined);
    }
    const retiredAt = now.toISOString();
    const retired = [
      { verifier_key: old.verifierKey, retired_at: retiredAt },
      // A set whose current key was not the key file's (a key copied in): retire that one too.
      ...(content.current !== null && content.current !== old.verifierKey
        ? [{ verifier_key: content.current, retired_at: retiredAt }]
        : []),
      ...content.retired.filter((r) => r.verifier_key !== old.verifierKey),
    ];
    await writeKeySetFile(setFile, { current: created.verifierKey, retired });
    return { created, old, backupPath, retiredAt };
  });
  return {
    key: infoOf(rotated.created, file),
    retired: {
      name: rotated.old.name,
      keyId: rotated.old.keyId,
      verifierKey: rotated.old.verifierKey,
      retiredAt: rotated.retiredAt,
      backupPath: rotated.backupPath,
    },
    keySet: await loadVerifierKeySet(env),
  };
}
