import { randomBytes } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

import { isProofError, ProofError } from '../errors';
import { encodeSigningKey, generateSigningKey, parseSigningKey, type SigningKey } from '../note-key';

/**
 * Environment variables the key store reads.
 *
 * @example
 * ```ts
 * const env: KeyStoreEnv = { AOS_HOME: '/srv/aos', AOS_ORIGIN: 'aos.example.com' };
 * ```
 */
export type KeyStoreEnv = Readonly<Record<string, string | undefined>>;

/**
 * Name of the key file under the AOS home directory.
 *
 * @example
 * ```ts
 * join(resolveAosHome(), SIGNING_KEY_FILE); // ~/.aos/signing.key
 * ```
 */
export const SIGNING_KEY_FILE = 'signing.key';
/**
 * Key name (deployment origin) of a key created when `AOS_ORIGIN` is not set.
 *
 * @example
 * ```ts
 * (await loadSigningKey({ env: {} })).name; // DEFAULT_ORIGIN for a new key
 * ```
 */
export const DEFAULT_ORIGIN = 'aos.local';

/**
 * The AOS home directory: `AOS_HOME` when set (resolved to an absolute path), else `~/.aos`.
 *
 * @example
 * ```ts
 * resolveAosHome({ AOS_HOME: '/srv/aos' }); // '/srv/aos'
 * resolveAosHome({}); // '/home/me/.aos'
 * ```
 */
export function resolveAosHome(env: KeyStoreEnv = process.env): string {
  const home = env.AOS_HOME?.trim();
  return home !== undefined && home !== '' ? resolve(home) : join(homedir(), '.aos');
}

/**
 * Where {@link loadSigningKey} looks.
 *
 * @example
 * ```ts
 * const options: LoadSigningKeyOptions = { env: process.env, home: '/srv/aos' };
 * ```
 */
export interface LoadSigningKeyOptions {
  /** Defaults to `process.env`. */
  env?: KeyStoreEnv;
  /** Directory of the key file; defaults to {@link resolveAosHome}(env). */
  home?: string;
}

/**
 * The deployment's signing key: `AOS_SIGNING_KEY` (a `PRIVATE+KEY+…` string) when set;
 * otherwise `<home>/signing.key`, created on first use with mode 0600 and named by
 * `AOS_ORIGIN` (default `aos.local`). `AOS_ORIGIN` only names a new key: an existing file keeps
 * its name. Creation is atomic (written to a temporary file, then hard-linked into place), so
 * processes racing to create it all end up with the same key. Only code that signs calls this
 * (a deployment goes through `@aos/core`, which also records the verifier key in its key set).
 * Throws a {@link ProofError} `PROOF_BAD_KEY` naming the source when a key is malformed,
 * `PROOF_KEY_EXPOSED` when the key file is accessible by group or others (see
 * {@link readSigningKeyFile}), `PROOF_IO` when the file cannot be read or written.
 *
 * @example
 * ```ts
 * const key = await loadSigningKey({ env: process.env });
 * console.log(key.verifierKey); // hand this to verifiers
 * ```
 */
export async function loadSigningKey(options: LoadSigningKeyOptions = {}): Promise<SigningKey> {
  const env = options.env ?? process.env;
  const fromEnv = env.AOS_SIGNING_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return parseFrom('AOS_SIGNING_KEY', fromEnv);
  }
  const home = options.home ?? resolveAosHome(env);
  const file = join(home, SIGNING_KEY_FILE);
  const existing = await readSigningKeyFile(file);
  if (existing !== null) return existing;

  const origin = env.AOS_ORIGIN?.trim();
  let key: SigningKey;
  try {
    key = generateSigningKey(origin !== undefined && origin !== '' ? origin : DEFAULT_ORIGIN);
  } catch (error) {
    throw prefixed('AOS_ORIGIN', error);
  }
  return createKeyFile(home, file, key);
}

/**
 * Writes `key` to a new 0600 file (fsynced) beside the key file under `home`, creating `home`
 * 0700 if needed, and returns its path: the first half of every atomic key-file write (the
 * caller then links or renames it into place). A file left by a failed write is removed.
 *
 * @example
 * ```ts
 * const temp = await writeTempSigningKey(home, key);
 * await rename(temp, join(home, SIGNING_KEY_FILE));
 * ```
 */
export async function writeTempSigningKey(home: string, key: SigningKey): Promise<string> {
  const temp = join(home, `.${SIGNING_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(home, { recursive: true, mode: 0o700 });
    await writeKeyToNewFile(temp, key);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return temp;
}

/** Writes `key` to `path`, which must not exist yet, mode 0600, fsynced. */
async function writeKeyToNewFile(path: string, key: SigningKey): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(`${encodeSigningKey(key)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates the key file `file` holding `key`, never replacing an existing one (`EEXIST` then)
 * and never leaving a partial file: written beside it first, then linked into place.
 *
 * @example
 * ```ts
 * await writeNewKeyFile('witness.key', generateSigningKey('witness.example/w1'));
 * ```
 */
export async function writeNewKeyFile(file: string, key: SigningKey): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  try {
    await writeKeyToNewFile(temp, key);
    await link(temp, file);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function createKeyFile(home: string, file: string, key: SigningKey): Promise<SigningKey> {
  let temp: string;
  try {
    temp = await writeTempSigningKey(home, key);
  } catch (error) {
    throw ioError(`cannot create signing key file ${file}`, error);
  }
  try {
    // link() never replaces an existing file: exactly one racer wins, the others read its key.
    await link(temp, file);
    return key;
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw ioError(`cannot create signing key file ${file}`, error);
    const winner = await readSigningKeyFile(file);
    if (winner === null) throw ioError(`signing key file ${file} vanished while being created`);
    return winner;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Reads a signing key file without creating it: null when it does not exist. A file that
 * group or others may access is refused with `PROOF_KEY_EXPOSED` (the message says
 * `chmod 600 <path>`) before its content is read: a private key that other local users can
 * read is no longer private. Throws `PROOF_BAD_KEY` naming the file when it is malformed,
 * `PROOF_IO` when it cannot be read.
 *
 * @example
 * ```ts
 * const key = await readSigningKeyFile('/srv/aos/signing.key');
 * console.log(key?.verifierKey ?? 'no key yet');
 * ```
 */
export async function readSigningKeyFile(file: string): Promise<SigningKey | null> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      // fstat of the opened file: the mode checked is the mode of the bytes read.
      assertPrivateMode(file, (await handle.stat()).mode);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isProofError(error)) throw error;
    if (errorCode(error) === 'ENOENT') return null;
    throw ioError(`cannot read signing key file ${file}`, error);
  }
  return parseFrom(`signing key file ${file}`, text);
}

function assertPrivateMode(file: string, mode: number): void {
  // Windows has no such permission bits; Node reports a fixed mode there.
  if (process.platform === 'win32' || (mode & 0o077) === 0) return;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  throw new ProofError(
    'PROOF_KEY_EXPOSED',
    `signing key file ${file} has mode ${octal}: group and others must have no access to a private key; run chmod 600 ${file}`,
  );
}

function parseFrom(source: string, text: string): SigningKey {
  try {
    return parseSigningKey(text);
  } catch (error) {
    throw prefixed(source, error);
  }
}

function prefixed(source: string, error: unknown): unknown {
  if (isProofError(error)) {
    return new ProofError(error.code, `${source}: ${error.message}`, { cause: error });
  }
  return error;
}

function ioError(message: string, cause?: unknown): ProofError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new ProofError('PROOF_IO', `${message}${detail}`, { cause });
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}
