// What the browser keeps, and where (docs/console.md):
// - the API key, in sessionStorage only: it dies with the tab and never reaches localStorage;
// - the verifier keys the viewer pinned, in localStorage: web storage is per origin, so this is
//   per server; it is what proofs are checked against, never the server's answer of the day;
// - the newest tenant checkpoint the browser verified, in localStorage per tenant: the next
//   visit must be shown a log that extends it (SPEC §13, customers are witnesses too).

const API_KEY_SLOT = 'aos.console.api-key';
const PINNED_KEYS_SLOT = 'aos.console.pinned-keys';
const CHECKPOINT_SLOT = 'aos.console.checkpoint.';

/** A tenant checkpoint the browser verified and kept. */
export interface KeptCheckpoint {
  /** The signed note, as the log served it (with cosignature lines). */
  readonly note: string;
  readonly size: number;
  readonly root: string;
  /** When this browser kept it (ISO). */
  readonly kept_at: string;
}

function readJson(storage: Storage, slot: string): unknown {
  const text = storage.getItem(slot);
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export function readApiKey(): string | null {
  return sessionStorage.getItem(API_KEY_SLOT);
}

export function saveApiKey(key: string): void {
  sessionStorage.setItem(API_KEY_SLOT, key);
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(API_KEY_SLOT);
}

/** The pinned verifier keys (`name+keyid+base64`), in the order they were pinned. */
export function readPinnedKeys(): string[] {
  const value = readJson(localStorage, PINNED_KEYS_SLOT);
  return Array.isArray(value) ? value.filter((key): key is string => typeof key === 'string') : [];
}

export function savePinnedKeys(keys: readonly string[]): void {
  localStorage.setItem(PINNED_KEYS_SLOT, JSON.stringify([...new Set(keys)]));
}

export function readKeptCheckpoint(tenantId: string): KeptCheckpoint | null {
  const value = readJson(localStorage, CHECKPOINT_SLOT + tenantId) as Partial<KeptCheckpoint> | null;
  if (value === null || typeof value.note !== 'string' || typeof value.size !== 'number') return null;
  return {
    note: value.note,
    size: value.size,
    root: typeof value.root === 'string' ? value.root : '',
    kept_at: typeof value.kept_at === 'string' ? value.kept_at : '',
  };
}

/**
 * Keeps `checkpoint` (already verified by the caller) unless the one kept is larger: a log
 * only grows, and the larger one is the stronger check for the next visit.
 */
export function keepCheckpoint(tenantId: string, checkpoint: Omit<KeptCheckpoint, 'kept_at'>): void {
  const kept = readKeptCheckpoint(tenantId);
  if (kept !== null && kept.size > checkpoint.size) return;
  if (kept !== null && kept.size === checkpoint.size && kept.note === checkpoint.note) return;
  localStorage.setItem(
    CHECKPOINT_SLOT + tenantId,
    JSON.stringify({ ...checkpoint, kept_at: new Date().toISOString() }),
  );
}
