import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AosError } from '../errors';

/** Who holds an embedded directory, as written in its lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly since: string;
}

/** Called once when {@link acquireEmbeddedLock} starts waiting for another process. */
export type LockWaitListener = (info: { lockPath: string; holder: LockHolder; timeoutMs: number }) => void;

/** A held lock; `release` is idempotent. */
export interface EmbeddedLock {
  readonly path: string;
  release(): void;
}

const POLL_MS = 100;
// After taking over a stale lock, re-read it: if two processes took it over at once,
// the one whose content is no longer in the file backs off and waits.
const CONFIRM_MS = 30;

function readLockFile(path: string): { raw: string; holder: LockHolder | null } | null {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(raw) as Partial<LockHolder>;
    const holder = typeof parsed.pid === 'number' ? { pid: parsed.pid, since: String(parsed.since ?? '') } : null;
    return { raw, holder };
  } catch {
    return { raw, holder: null };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(path: string, token: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, token);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Takes the lock file that keeps a second process out of an embedded data directory.
 * A live holder makes us wait (up to `timeoutMs`); a holder that died (its pid is gone)
 * leaves a stale lock that is taken over.
 */
export async function acquireEmbeddedLock(
  lockPath: string,
  options: { timeoutMs: number; onWait?: LockWaitListener | undefined },
): Promise<EmbeddedLock> {
  const token = JSON.stringify({ pid: process.pid, since: new Date().toISOString(), nonce: Math.random() });
  const deadline = Date.now() + options.timeoutMs;
  let announced = false;
  for (;;) {
    if (tryCreate(lockPath, token)) {
      await sleep(CONFIRM_MS);
      if (readFileSync(lockPath, 'utf8') === token) return heldLock(lockPath, token);
      continue;
    }
    const current = readLockFile(lockPath);
    if (current === null) continue;
    const holder = current.holder;
    if (holder && holder.pid !== process.pid && !isAlive(holder.pid)) {
      // Only remove the file we judged stale, not one another process just created.
      if (readLockFile(lockPath)?.raw === current.raw) unlinkQuietly(lockPath);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `process ${holder.pid}` : 'another process';
      throw new AosError(
        'DB_LOCKED',
        `the embedded database lock ${lockPath} is held by ${who}; waited ${Math.round(options.timeoutMs / 1000)}s. ` +
          'Stop that process, raise AOS_DB_LOCK_TIMEOUT_MS, or point DATABASE_URL at a Postgres server.',
      );
    }
    if (!announced && holder) {
      announced = true;
      options.onWait?.({ lockPath, holder, timeoutMs: options.timeoutMs });
    }
    await sleep(POLL_MS);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function heldLock(path: string, token: string): EmbeddedLock {
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      if (readFileSync(path, 'utf8') === token) unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.on('exit', release);
  return { path, release };
}
