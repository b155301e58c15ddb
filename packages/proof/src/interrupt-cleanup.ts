import { unlinkSync } from 'node:fs';

/** The signals whose default action ends a process without running any `finally`. */
const INTERRUPTIONS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const pending = new Set<string>();

function removePending(): void {
  for (const path of pending) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone, or never created: either way it is not left behind.
    }
  }
  pending.clear();
}

function onInterruption(signal: NodeJS.Signals): void {
  removePending();
  stopListening();
  // Listening replaced the signal's default action; with no other listener left, sending it
  // again ends the process as the signal would have (a shell sees 130 for SIGINT, 143 for
  // SIGTERM). Another listener means the program handles the signal itself: it decides.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function startListening(): void {
  for (const signal of INTERRUPTIONS) process.on(signal, onInterruption);
  process.on('exit', removePending);
}

function stopListening(): void {
  for (const signal of INTERRUPTIONS) process.off(signal, onInterruption);
  process.off('exit', removePending);
}

/**
 * Runs `work`, which writes the file `path`, so that the file is removed if the process is
 * interrupted meanwhile (SIGINT, SIGTERM, SIGHUP, or `process.exit` elsewhere): the default
 * action of those signals ends a process without running the `finally` that would clean up.
 * The listeners are there only while some such work is under way, and an interrupted process
 * still ends by the same signal.
 */
export async function removedIfInterrupted<T>(path: string, work: () => Promise<T>): Promise<T> {
  if (pending.size === 0) startListening();
  pending.add(path);
  try {
    return await work();
  } finally {
    pending.delete(path);
    if (pending.size === 0) stopListening();
  }
}
