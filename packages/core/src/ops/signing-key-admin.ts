import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_ORIGIN,
  encodeSigningKey,
  generateSigningKey,
  isValidKeyName,
  parseSigningKey,
  resolveAosHome,
  SIGNING_KEY_FILE,
  type SigningKey,
} from '@aos/proof';
import { AosError } from '../errors';

/** Where a signing key comes from. */
export type SigningKeySource = 'env' | 'file' | 'backup';

/** The public side of a signing key and where it lives (never the secret). */
export interface SigningKeyInfo {
  readonly source: SigningKeySource;
  /** The key file, or null for `AOS_SIGNING_KEY`. */
  readonly path: string | null;
  readonly name: string;
  readonly keyId: string;
  /** `name+keyid+base64`, the C2SP verifier key to hand to verifiers. */
  readonly verifierKey: string;
}

/** What {@link generateSigningKeyFile} did. */
export interface GeneratedSigningKey {
  readonly key: SigningKeyInfo;
  /** The key that was replaced (with `force`) and where it was kept, or null. */
  readonly replaced: (SigningKeyInfo & { readonly backupPath: string }) | null;
  /** True when `AOS_SIGNING_KEY` is set, so the new file is not the key in use. */
  readonly shadowedByEnv: boolean;
}

const BACKUP_PREFIX = `${SIGNING_KEY_FILE}.bak-`;

function infoOf(key: SigningKey, source: SigningKeySource, path: string | null): SigningKeyInfo {
  return { source, path, name: key.name, keyId: key.keyId, verifierKey: key.verifierKey };
}

function keyFileOf(env: NodeJS.ProcessEnv): string {
  return join(resolveAosHome(env), SIGNING_KEY_FILE);
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

async function readKeyFile(path: string): Promise<SigningKey | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw new AosError('CONFIG_INVALID', `cannot read signing key file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return parseSigningKey(text);
  } catch (error) {
    throw new AosError('CONFIG_INVALID', `signing key file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The signing key the deployment uses — `AOS_SIGNING_KEY` when set, else the key file under
 * `AOS_HOME` — without creating one (unlike `loadSigningKey`). Null when there is none yet.
 *
 * @example
 * ```ts
 * const key = await describeSigningKey(process.env)
 * console.log(key?.verifierKey ?? 'no key yet')
 * ```
 */
export async function describeSigningKey(env: NodeJS.ProcessEnv): Promise<SigningKeyInfo | null> {
  const fromEnv = env.AOS_SIGNING_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    try {
      return infoOf(parseSigningKey(fromEnv), 'env', null);
    } catch (error) {
      throw new AosError('CONFIG_INVALID', `AOS_SIGNING_KEY: ${(error as Error).message}`, { cause: error });
    }
  }
  return readSigningKeyFile(env);
}

/**
 * The key file under `AOS_HOME` (ignoring `AOS_SIGNING_KEY`), without creating it; null when
 * there is none.
 *
 * @example
 * ```ts
 * if (await readSigningKeyFile(process.env)) console.log('a key file exists')
 * ```
 */
export async function readSigningKeyFile(env: NodeJS.ProcessEnv): Promise<SigningKeyInfo | null> {
  const path = keyFileOf(env);
  const key = await readKeyFile(path);
  return key ? infoOf(key, 'file', path) : null;
}

/**
 * Every verifier key this deployment has signed with that is still on disk: the key in use
 * and the backups `keys generate --force` kept (`signing.key.bak-<timestamp>`), newest
 * backup first. Checkpoints signed before a rotation verify only with the old key.
 *
 * @example
 * ```ts
 * const trusted = (await listDeploymentKeys(process.env)).map((k) => k.verifierKey)
 * ```
 */
export async function listDeploymentKeys(env: NodeJS.ProcessEnv): Promise<SigningKeyInfo[]> {
  const keys: SigningKeyInfo[] = [];
  const current = await describeSigningKey(env);
  if (current) keys.push(current);
  const home = resolveAosHome(env);
  let names: string[];
  try {
    names = await readdir(home);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return keys;
    throw new AosError('CONFIG_INVALID', `cannot list ${home}: ${(error as Error).message}`, { cause: error });
  }
  for (const name of names
    .filter((n) => n.startsWith(BACKUP_PREFIX))
    .sort()
    .reverse()) {
    const key = await readKeyFile(join(home, name));
    if (key && !keys.some((k) => k.verifierKey === key.verifierKey)) keys.push(infoOf(key, 'backup', join(home, name)));
  }
  return keys;
}

/** `2026-02-09T18-12-00-986Z`: an ISO timestamp that is a portable file name. */
function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/**
 * Creates a new signing key file under `AOS_HOME` (mode 0600). An existing key file is never
 * silently replaced: without `force` this throws INVALID_INPUT and writes nothing; with
 * `force` the old file is first kept as `signing.key.bak-<timestamp>`, then the new one
 * atomically takes its place. The name defaults to the replaced key's name, else
 * `AOS_ORIGIN`, else `aos.local`.
 *
 * @example
 * ```ts
 * const { key, replaced } = await generateSigningKeyFile(process.env, { force: true })
 * if (replaced) console.log(`old checkpoints verify with ${replaced.verifierKey}`)
 * ```
 */
export async function generateSigningKeyFile(
  env: NodeJS.ProcessEnv,
  options: { force?: boolean; name?: string | undefined } = {},
): Promise<GeneratedSigningKey> {
  const home = resolveAosHome(env);
  const file = keyFileOf(env);
  const existing = await readKeyFile(file);
  if (existing && !options.force) {
    throw new AosError(
      'INVALID_INPUT',
      `signing key file ${file} already exists (verifier key ${existing.verifierKey}); it is only replaced with force`,
    );
  }
  const origin = env.AOS_ORIGIN?.trim();
  const name = options.name ?? existing?.name ?? (origin ? origin : DEFAULT_ORIGIN);
  if (!isValidKeyName(name)) {
    throw new AosError(
      'INVALID_INPUT',
      `invalid key name ${JSON.stringify(name)}: must be non-empty, without spaces, '+' or control characters`,
    );
  }
  const key = generateSigningKey(name);
  await mkdir(home, { recursive: true, mode: 0o700 });
  const temp = join(home, `.${SIGNING_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${encodeSigningKey(key)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    let replaced: GeneratedSigningKey['replaced'] = null;
    if (existing) {
      const backupPath = join(home, `${BACKUP_PREFIX}${fileTimestamp(new Date())}`);
      // link() refuses to overwrite: an earlier backup is never lost either.
      await link(file, backupPath);
      await rename(temp, file);
      replaced = { ...infoOf(existing, 'backup', backupPath), backupPath };
    } else {
      try {
        await link(temp, file);
      } catch (error) {
        if (errorCode(error) === 'EEXIST') {
          throw new AosError(
            'INVALID_INPUT',
            `signing key file ${file} was created by another process meanwhile; nothing was replaced`,
          );
        }
        throw error;
      }
    }
    const fromEnv = env.AOS_SIGNING_KEY;
    return { key: infoOf(key, 'file', file), replaced, shadowedByEnv: fromEnv !== undefined && fromEnv.trim() !== '' };
  } catch (error) {
    if (error instanceof AosError) throw error;
    throw new AosError('INTERNAL', `cannot write signing key file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
