import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveAosHome } from '@aos/proof/node';
import { AosError } from '../errors';

/** Name of the data key file under AOS_HOME. */
export const DATA_KEY_FILE = 'data.key';

const KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The deployment's data key, which encrypts tenant secrets at rest. */
export interface DataKey {
  readonly key: Buffer;
  /** 16 hex characters of a hash of the key: names it in rows and messages without revealing it. */
  readonly id: string;
  /** Where it came from, for messages: `AOS_DATA_KEY` or the key file's path. */
  readonly source: string;
}

/** Where {@link loadDataKey} looks. */
export interface LoadDataKeyOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory of the key file; defaults to AOS_HOME (`~/.aos`). */
  readonly home?: string | undefined;
  /**
   * Create the key file when there is neither AOS_DATA_KEY nor a file. Only storing a secret
   * does: reading paths never create a key, so a missing one cannot silently become a new one.
   */
  readonly create: boolean;
}

/**
 * The data key: `AOS_DATA_KEY` (32 bytes in base64) when set, otherwise `<home>/data.key`
 * (created with mode 0600 when `create` is set and it does not exist). Returns null when there
 * is no key and `create` is not set. Throws an AosError `CONFIG_INVALID` for a malformed key,
 * or a key file that group or others may access (`chmod 600` it); `DATA_KEY_UNAVAILABLE` when the
 * file cannot be read or created.
 *
 * @example
 * ```ts
 * const dataKey = await loadDataKey({ env: process.env, create: false });
 * if (dataKey === null) console.error('no data key yet');
 * ```
 */
export async function loadDataKey(options: LoadDataKeyOptions): Promise<DataKey | null> {
  const fromEnv = options.env.AOS_DATA_KEY?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return dataKeyOf(decodeKey(fromEnv, 'AOS_DATA_KEY'), 'AOS_DATA_KEY');
  const home = options.home ?? resolveAosHome(options.env);
  const file = join(home, DATA_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing !== null || !options.create) return existing;
  return createKeyFile(home, file);
}

function dataKeyOf(key: Buffer, source: string): DataKey {
  const id = createHash('sha256').update('aos.data-key.v1\n').update(key).digest('hex').slice(0, 16);
  return { key, id, source };
}

function decodeKey(text: string, source: string): Buffer {
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES || key.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')) {
    throw new AosError(
      'CONFIG_INVALID',
      `${source} must be ${KEY_BYTES} bytes in base64 (make one with: openssl rand -base64 32)` +
        (BASE64.test(text) ? `, got ${key.length} bytes` : ', got text that is not base64'),
    );
  }
  return key;
}

async function readKeyFile(file: string): Promise<DataKey | null> {
  let mode: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new AosError('CONFIG_INVALID', `data key file ${file} is not a regular file`);
    mode = info.mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error instanceof AosError ? error : ioError(`cannot read data key file ${file}`, error);
  }
  if ((mode & 0o077) !== 0) {
    throw new AosError(
      'CONFIG_INVALID',
      `data key file ${file} may be read by group or others (mode ${mode.toString(8).padStart(4, '0')}): ` +
        `chmod 600 ${file}`,
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw ioError(`cannot read data key file ${file}`, error);
  }
  return dataKeyOf(decodeKey(text.trim(), `data key file ${file}`), file);
}

async function createKeyFile(home: string, file: string): Promise<DataKey> {
  const key = randomBytes(KEY_BYTES);
  const temp = join(home, `.${DATA_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(home, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${key.toString('base64')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw ioError(`cannot create data key file ${file}`, error);
  }
  try {
    // link() never replaces an existing file: one racer's key wins and the others read it.
    await link(temp, file);
    return dataKeyOf(key, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`cannot create data key file ${file}`, error);
    const winner = await readKeyFile(file);
    if (winner === null) throw ioError(`data key file ${file} vanished while it was created`, error);
    return winner;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function ioError(message: string, cause: unknown): AosError {
  const reason = (cause as NodeJS.ErrnoException | undefined)?.code ?? (cause as Error | undefined)?.message;
  return new AosError('DATA_KEY_UNAVAILABLE', reason ? `${message}: ${reason}` : message, { cause });
}
