import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `file` atomically and durably with `text`: written to a fresh temp file (mode 0600)
 * in the same directory, fsynced, renamed over `file`, then the directory fsynced. A crash at any
 * point leaves either the old file or the new one, never a partial one. Throws the file system's
 * error (the temp file removed).
 *
 * @example
 * ```ts
 * await writeFileDurably('/var/lib/witness/abc.checkpoint', note);
 * ```
 */
export async function writeFileDurably(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
