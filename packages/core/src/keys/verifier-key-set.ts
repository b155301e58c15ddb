import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSigningKey, parseVerifierKey, type SigningKey, type VerifierKey } from '@aos/proof';
import { loadSigningKey, resolveAosHome, SIGNING_KEY_FILE } from '@aos/proof/node';
import { z } from 'zod';
import { acquireEmbeddedLock } from '../db/embedded-lock';
import { AosError, isAosError } from '../errors';

/**
 * The deployment's key set under `AOS_HOME`: the current verifier key and every retired one,
 * public (mode 0644). Written whenever a signing key is created or rotated; read by every
 * verifier, so none of them needs the private key.
 */
export const VERIFIER_KEYS_FILE = 'verifier-keys.json';

/** `format` of {@link VERIFIER_KEYS_FILE}. */
export const VERIFIER_KEYS_FORMAT = 'aos.verifier-keys.v1';

/** Where a trusted key comes from: `AOS_SIGNING_KEY` / `AOS_RETIRED_VERIFIER_KEYS`, or the key set file. */
export type TrustedKeySource = 'env' | 'file';

/** One key of a {@link VerifierKeySet}: a parsed verifier key, usable directly as a trusted key. */
export interface TrustedVerifierKey extends VerifierKey {
  readonly status: 'current' | 'retired';
  /** When it stopped signing (ISO-8601 UTC); null for the current key and for keys given in the environment. */
  readonly retiredAt: string | null;
  readonly source: TrustedKeySource;
}

/** Every verifier key the deployment's checkpoints may be signed with. */
export interface VerifierKeySet {
  /** The key new checkpoints are signed with; null when there is no signing key yet. */
  readonly current: TrustedVerifierKey | null;
  /** The current key first, then the retired ones, newest retirement first. */
  readonly keys: readonly TrustedVerifierKey[];
  /** The key set file that was read, or null when `AOS_SIGNING_KEY` is set (no file is read then). */
  readonly file: string | null;
  /** Things an operator should know (e.g. a key file whose verifier key was never recorded). */
  readonly warnings: readonly string[];
}

const KeySetFileSchema = z
  .object({
    format: z.literal(VERIFIER_KEYS_FORMAT),
    current: z.string().nullable(),
    retired: z.array(
      z.object({ verifier_key: z.string(), retired_at: z.iso.datetime({ offset: true }).nullable() }).strict(),
    ),
  })
  .strict();

/** The content of {@link VERIFIER_KEYS_FILE}. */
export type KeySetFile = Omit<z.infer<typeof KeySetFileSchema>, 'format'>;

const LOCK_TIMEOUT_MS = 10_000;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function configError(message: string, cause?: unknown): AosError {
  return new AosError('CONFIG_INVALID', message, { cause });
}

/** The key set file of `home`, or null when there is none; a malformed one is CONFIG_INVALID naming it. */
export async function readKeySetFile(file: string): Promise<KeySetFile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw configError(`cannot read key set file ${file}: ${(error as Error).message}`, error);
  }
  let parsed: z.infer<typeof KeySetFileSchema>;
  try {
    parsed = KeySetFileSchema.parse(JSON.parse(text));
  } catch (error) {
    const detail =
      error instanceof z.ZodError ? z.prettifyError(error).replace(/\s*\n\s*/g, '; ') : (error as Error).message;
    throw configError(`key set file ${file} is not an ${VERIFIER_KEYS_FORMAT} document: ${detail}`, error);
  }
  const { format: _format, ...content } = parsed;
  return content;
}

/** Replaces the key set file atomically (temporary file, fsync, rename): a reader sees the old set or the new one. */
export async function writeKeySetFile(file: string, content: KeySetFile): Promise<void> {
  const home = join(file, '..');
  const temp = join(home, `.${VERIFIER_KEYS_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const document = { format: VERIFIER_KEYS_FORMAT, current: content.current, retired: content.retired };
  try {
    await mkdir(home, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(document, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    throw new AosError('INTERNAL', `cannot write key set file ${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Runs `fn` holding the key set's lock file, so that a rotation and a process recording a new
 * key never overwrite each other's update. A holder that died leaves a lock that is taken over.
 */
export async function withKeySetLock<T>(home: string, fn: () => Promise<T>): Promise<T> {
  const lockPath = join(home, `${VERIFIER_KEYS_FILE}.lock`);
  await mkdir(home, { recursive: true, mode: 0o700 });
  let lock;
  try {
    lock = await acquireEmbeddedLock(lockPath, { timeoutMs: LOCK_TIMEOUT_MS });
  } catch (error) {
    if (!isAosError(error, 'DB_LOCKED')) throw error;
    throw new AosError(
      'DB_LOCKED',
      `the key set lock ${lockPath} is held by another process (a key rotation?); waited ${LOCK_TIMEOUT_MS / 1000}s`,
      { cause: error },
    );
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

function trustedKey(
  text: string,
  status: TrustedVerifierKey['status'],
  retiredAt: string | null,
  source: TrustedKeySource,
  where: string,
): TrustedVerifierKey {
  let key: VerifierKey;
  try {
    key = parseVerifierKey(text);
  } catch (error) {
    throw configError(`${where}: ${(error as Error).message}`, error);
  }
  return { ...key, status, retiredAt, source };
}

/** The key set a key file's content stands for, keys parsed. */
function keysOfFile(content: KeySetFile, file: string): TrustedVerifierKey[] {
  const keys: TrustedVerifierKey[] = [];
  if (content.current !== null) keys.push(trustedKey(content.current, 'current', null, 'file', `${file}: current`));
  for (const [i, retired] of content.retired.entries()) {
    keys.push(trustedKey(retired.verifier_key, 'retired', retired.retired_at, 'file', `${file}: retired[${i}]`));
  }
  return keys;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw configError(`cannot inspect ${path}: ${(error as Error).message}`, error);
  }
}

/**
 * The deployment's trusted key set — what every verifier (`getRunProof` callers, `cus-cli
 * proof`, `int-cli audit`) checks checkpoints against — read without loading or creating any
 * private key file:
 * - with `AOS_SIGNING_KEY` set: its verifier key (derived in memory from the variable; no file
 *   is read);
 * - otherwise the key set file `<AOS_HOME>/verifier-keys.json` (current + retired keys), which
 *   is written when a key is created or rotated;
 * - plus, in both cases, each `name+keyid+base64` of `AOS_RETIRED_VERIFIER_KEYS`
 *   (comma-separated) as a retired key.
 *
 * A fresh home gives an empty set. Throws CONFIG_INVALID naming the variable, file or entry
 * that is malformed.
 *
 * @example
 * ```ts
 * const { keys } = await loadVerifierKeySet(process.env)
 * const proof = await getRunProof(db, 'acme', runId, { trustedKeys: keys })
 * ```
 */
export async function loadVerifierKeySet(env: NodeJS.ProcessEnv): Promise<VerifierKeySet> {
  const home = resolveAosHome(env);
  const keys: TrustedVerifierKey[] = [];
  const warnings: string[] = [];
  const fromEnv = nonEmpty(env.AOS_SIGNING_KEY);
  let file: string | null = null;
  if (fromEnv !== undefined) {
    let signing: SigningKey;
    try {
      signing = parseSigningKey(fromEnv);
    } catch (error) {
      throw configError(`AOS_SIGNING_KEY: ${(error as Error).message}`, error);
    }
    keys.push({ ...signing, status: 'current', retiredAt: null, source: 'env' });
  } else {
    file = join(home, VERIFIER_KEYS_FILE);
    const content = await readKeySetFile(file);
    if (content) keys.push(...keysOfFile(content, file));
    const keyFile = join(home, SIGNING_KEY_FILE);
    const hasKeyFile = await exists(keyFile);
    if (hasKeyFile && content?.current == null) {
      warnings.push(
        `${keyFile} exists but ${file} does not record its verifier key (a key file copied in, or written before key sets): ` +
          'checkpoints it signs are trusted once the next command that seals records it',
      );
    } else if (!hasKeyFile && content?.current != null) {
      warnings.push(
        `${keyFile} is missing: the next command that seals creates a new key, and the current verifier key moves to the retired set`,
      );
    }
  }
  const extra = (env.AOS_RETIRED_VERIFIER_KEYS ?? '')
    .split(',')
    .map((text) => text.trim())
    .filter((text) => text !== '');
  for (const [i, text] of extra.entries()) {
    const key = trustedKey(text, 'retired', null, 'env', `AOS_RETIRED_VERIFIER_KEYS[${i}]`);
    if (!keys.some((k) => k.verifierKey === key.verifierKey)) keys.push(key);
  }
  return { current: keys.find((k) => k.status === 'current') ?? null, keys, file, warnings };
}

/**
 * Makes `key` the current key of the set in `file` unless the set already knows it (as current
 * or retired); a previous current key moves to the retired set, dated `now`. Call it holding
 * {@link withKeySetLock}. Nothing is ever dropped from the set.
 */
export async function recordCurrentKey(file: string, verifierKey: string, now: Date): Promise<KeySetFile> {
  const content = (await readKeySetFile(file)) ?? { current: null, retired: [] };
  if (isKnown(content, verifierKey)) return content;
  const next: KeySetFile = {
    current: verifierKey,
    retired: [
      ...(content.current !== null ? [{ verifier_key: content.current, retired_at: now.toISOString() }] : []),
      ...content.retired,
    ],
  };
  await writeKeySetFile(file, next);
  return next;
}

function isKnown(content: KeySetFile | null, verifierKey: string): boolean {
  return (
    content !== null && (content.current === verifierKey || content.retired.some((r) => r.verifier_key === verifierKey))
  );
}

/**
 * The deployment's signing key, for code that seals (and only that): `AOS_SIGNING_KEY`, or
 * `<AOS_HOME>/signing.key`, created on first use (mode 0600; a key file that group or others
 * may read is refused). A key file's verifier key is recorded in the key set before the key is
 * returned, so no checkpoint is ever signed with a key that verifiers do not trust.
 *
 * @example
 * ```ts
 * const signingKey = await loadDeploymentSigningKey(process.env)
 * await runGoal(db, input, { registry, env, signingKey })
 * ```
 */
export async function loadDeploymentSigningKey(env: NodeJS.ProcessEnv): Promise<SigningKey> {
  const home = resolveAosHome(env);
  const key = await loadSigningKey({ env, home });
  if (nonEmpty(env.AOS_SIGNING_KEY) !== undefined) return key;
  const file = join(home, VERIFIER_KEYS_FILE);
  // Fast path without the lock: every seal after the first finds its key recorded.
  if (isKnown(await readKeySetFile(file), key.verifierKey)) return key;
  await withKeySetLock(home, () => recordCurrentKey(file, key.verifierKey, new Date()));
  return key;
}
