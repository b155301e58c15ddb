import {
  parseCosignatureVerifierKey,
  verifyCosignature,
  type CosignatureVerifierKey,
  type SigningKey,
  type TrustedKeys,
} from '@aos/proof';
import { readLogCheckpoint, readLogConsistency } from '@aos/proof/postgres';
import { sql } from 'kysely';
import type { AosDatabase } from '../db/database';
import { AosError } from '../errors';
import { drainTenantLog, pendingTenantLogs, type LogBatch } from './log-sequencer';

/** A witness the deployment submits tenant checkpoints to (`AOS_WITNESSES`). */
export interface WitnessTarget {
  /** The witness's base URL; checkpoints go to `<url>/add-checkpoint`. */
  readonly url: string;
  readonly key: CosignatureVerifierKey;
}

/**
 * Parses `AOS_WITNESSES`: entries separated by commas or newlines, each `<url> <cosigner verifier
 * key>` (docs/deploy.md, "Witnesses"). Empty or unset: no witnesses. Throws CONFIG_INVALID
 * naming the bad entry.
 *
 * @example
 * ```ts
 * parseWitnessTargets('http://127.0.0.1:7001 w1.example+1a2b3c4d+BA…');
 * ```
 */
export function parseWitnessTargets(text: string | undefined): WitnessTarget[] {
  if (text === undefined || text.trim() === '') return [];
  return text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, i) => {
      const [url, key, ...rest] = entry.split(/\s+/);
      const where = `AOS_WITNESSES entry ${i + 1}`;
      if (url === undefined || key === undefined || rest.length > 0) {
        throw new AosError(
          'CONFIG_INVALID',
          `${where} must be "<url> <cosigner verifier key>", got ${JSON.stringify(entry)}`,
        );
      }
      let parsedUrl: URL;
      try {
        parsedUrl = new URL(url);
      } catch {
        throw new AosError('CONFIG_INVALID', `${where}: ${JSON.stringify(url)} is not a URL`);
      }
      if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') {
        throw new AosError('CONFIG_INVALID', `${where}: the URL must be http or https`);
      }
      try {
        return { url: url.replace(/\/+$/, ''), key: parseCosignatureVerifierKey(key) };
      } catch (error) {
        throw new AosError('CONFIG_INVALID', `${where}: ${(error as Error).message}`);
      }
    });
}

/** How one witness is doing, for `/readyz` and `log status`. */
export interface WitnessStatus {
  readonly name: string;
  readonly url: string;
  /** When it last cosigned, and the last error since then (`null` when none). */
  readonly lastCosignedAt: string | null;
  readonly lastError: string | null;
  /** Tenants whose newest checkpoint waits for its cosignature. */
  readonly pending: number;
}

/** The background sequencer of a service, as `/readyz` reports it. */
export interface LogSequencerStatus {
  /** `active`: this process holds the deployment's sequencer lock; `standby`: another does. */
  readonly role: 'active' | 'standby' | 'stopped';
  readonly lastBatchAt: string | null;
  readonly lastError: string | null;
  readonly witnesses: readonly WitnessStatus[];
}

/** A running background sequencer. */
export interface LogSequencer {
  /** Wakes it now (after a seal) instead of at its next poll. */
  poke(): void;
  /**
   * Wakes it and resolves once a whole round that began after this call has finished — so a
   * seal committed before the call is in its log — or after `timeoutMs` (another process may
   * be the active sequencer). Never rejects.
   */
  settle(timeoutMs?: number): Promise<void>;
  status(): LogSequencerStatus;
  /** Stops after the batch in hand and releases the deployment lock. */
  stop(): Promise<void>;
}

const SEQUENCER_LOCK = 0x41_4f_53_53; // "AOSS": one active sequencer per deployment (database)
const WITNESS_TIMEOUT_MS = 10_000;

/**
 * Starts the sequencer of a service (SPEC §13): it takes the deployment's advisory lock on a
 * connection of its own (another process holding it leaves this one on standby, retrying), then
 * integrates every tenant's queued seals in batches ({@link drainTenantLog}) whenever poked and
 * at least every `pollMs`, and submits each new tenant checkpoint to every witness (C2SP
 * tlog-witness), storing the cosignatures. A witness that is down delays only its own
 * cosignature: it is retried with backoff and reported by {@link LogSequencer.status}.
 *
 * @example
 * ```ts
 * const sequencer = startLogSequencer({ store, signer, keySet, witnesses });
 * // … on shutdown:
 * await sequencer.stop();
 * ```
 */
export function startLogSequencer(options: {
  store: AosDatabase;
  signer: () => Promise<SigningKey>;
  trustedKeys: () => Promise<TrustedKeys>;
  witnesses: readonly WitnessTarget[];
  pollMs?: number;
  onError?: (message: string) => void;
}): LogSequencer {
  const pollMs = options.pollMs ?? 100;
  let role: LogSequencerStatus['role'] = 'standby';
  let lastBatchAt: string | null = null;
  let lastError: string | null = null;
  let stopping = false;
  let wake: (() => void) | null = null;
  let poked = false;
  let roundsStarted = 0;
  let roundsDone = 0;
  const settling: { target: number; resolve: () => void }[] = [];
  const roundDone = (): void => {
    roundsDone++;
    for (let i = settling.length - 1; i >= 0; i--) {
      const waiter = settling[i] as (typeof settling)[number];
      if (roundsDone >= waiter.target) {
        settling.splice(i, 1);
        waiter.resolve();
      }
    }
  };
  const witnessStates = options.witnesses.map((target) => ({
    target,
    lastCosignedAt: null as string | null,
    lastError: null as string | null,
    pending: new Set<string>(),
    retryAt: 0,
    failures: 0,
    busy: false,
  }));
  // Told once per distinct failure: a database that is down fails every round the same way.
  const report = (message: string): void => {
    if (message !== lastError) options.onError?.(message);
    lastError = message;
  };
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (poked || stopping) {
        poked = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = null;
        poked = false;
        resolve();
      }
      wake = done;
    });

  async function integrate(): Promise<LogBatch[]> {
    const signingKey = await options.signer();
    const trustedKeys = await options.trustedKeys();
    const batches: LogBatch[] = [];
    for (const { tenantId } of await pendingTenantLogs(options.store.db)) {
      batches.push(...(await drainTenantLog(options.store.forTenant(tenantId), tenantId, { signingKey, trustedKeys })));
    }
    return batches;
  }

  // Each witness is served by a submission pass of its own, never awaited by the sequencing loop:
  // a witness that hangs (up to its timeout) or refuses delays only its own cosignatures.
  const submissions = new Set<Promise<void>>();
  async function submitPass(state: (typeof witnessStates)[number]): Promise<void> {
    for (const tenantId of [...state.pending]) {
      if (stopping) return;
      try {
        await submitLatest(options.store, tenantId, state.target);
        state.pending.delete(tenantId);
        state.lastCosignedAt = new Date().toISOString();
        state.lastError = null;
        state.failures = 0;
      } catch (error) {
        state.lastError = (error as Error).message;
        state.failures++;
        state.retryAt = Date.now() + Math.min(30_000, 500 * 2 ** Math.min(state.failures, 6));
        return;
      }
    }
  }
  function kickWitnesses(): void {
    const now = Date.now();
    for (const state of witnessStates) {
      if (state.busy || state.pending.size === 0 || state.retryAt > now) continue;
      state.busy = true;
      const pass: Promise<void> = submitPass(state).finally(() => {
        state.busy = false;
        submissions.delete(pass);
      });
      submissions.add(pass);
    }
  }
  /** After taking the lock: every tenant whose newest checkpoint a witness has not cosigned is pending for it. */
  async function resumeWitnesses(): Promise<void> {
    for (const state of witnessStates) {
      const rows = await sql<{ tenant_id: string }>`
        SELECT tenant_id FROM aos_tenant_log_uncosigned(${state.target.key.name})`.execute(options.store.db);
      for (const row of rows.rows) state.pending.add(row.tenant_id);
    }
  }

  const loop = options.store.db.connection().execute(async (connection) => {
    while (!stopping) {
      const locked = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${SEQUENCER_LOCK}) AS locked`.execute(
        connection,
      );
      if (locked.rows[0]?.locked === true) break;
      role = 'standby';
      await pause(1000);
    }
    if (stopping) return;
    role = 'active';
    await resumeWitnesses().catch((error: unknown) => report(`tenant log witnesses: ${(error as Error).message}`));
    try {
      while (!stopping) {
        roundsStarted++;
        try {
          const batches = await integrate();
          if (batches.length > 0) {
            lastBatchAt = new Date().toISOString();
            for (const batch of batches) {
              if (batch.checkpoint === '') continue;
              for (const state of witnessStates) state.pending.add(batch.tenantId);
            }
          }
          lastError = null;
        } catch (error) {
          report(`tenant log sequencer: ${(error as Error).message}`);
        }
        roundDone();
        kickWitnesses();
        await pause(pollMs);
      }
    } finally {
      role = 'stopped';
      await Promise.allSettled([...submissions]);
      await sql`SELECT pg_advisory_unlock(${SEQUENCER_LOCK})`.execute(connection).catch(() => undefined);
    }
  });
  const finished = loop
    .catch((error: unknown) => {
      role = 'stopped';
      report(`tenant log sequencer stopped: ${(error as Error).message}`);
    })
    .finally(() => {
      for (const waiter of settling.splice(0)) waiter.resolve();
    });
  const poke = (): void => {
    poked = true;
    wake?.();
  };

  return {
    poke,
    settle(timeoutMs = 5000) {
      if (stopping) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done(): void {
          clearTimeout(timer);
          const at = settling.indexOf(waiter);
          if (at >= 0) settling.splice(at, 1);
          resolve();
        }
        const waiter = { target: roundsStarted + 1, resolve: done };
        settling.push(waiter);
        poke();
      });
    },
    status: () => ({
      role,
      lastBatchAt,
      lastError,
      witnesses: witnessStates.map((s) => ({
        name: s.target.key.name,
        url: s.target.url,
        lastCosignedAt: s.lastCosignedAt,
        lastError: s.lastError,
        pending: s.pending.size,
      })),
    }),
    async stop() {
      stopping = true;
      wake?.();
      await finished;
    },
  };
}

/**
 * Submits the tenant's newest checkpoint to one witness (c2sp.org/tlog-witness): with a
 * consistency proof from the size the witness last cosigned for this tenant (as stored), once
 * more from the size a 409 names, and stores the returned cosignature after checking it.
 * Throws with the witness's answer when it refuses (422: the log is not consistent with what it
 * saw) or cannot be reached.
 *
 * @example
 * ```ts
 * await submitLatest(store, 'acme', witness);
 * ```
 */
export async function submitLatest(store: AosDatabase, tenantId: string, target: WitnessTarget): Promise<void> {
  const db = store.forTenant(tenantId);
  const latest = await readLogCheckpoint(db, tenantId);
  if (latest === null) return;
  const witness = target.key.name;
  const already = await db
    .selectFrom('tenant_log_cosignatures')
    .select(sql<number>`max(tree_size)`.as('size'))
    .where('tenant_id', '=', tenantId)
    .where('witness', '=', witness)
    .executeTakeFirst();
  const cosignedSize = already?.size == null ? 0 : Number(already.size);
  if (cosignedSize >= latest.tree_size) return;
  const plain = await db
    .selectFrom('tenant_log_checkpoints')
    .select('checkpoint')
    .where('tenant_id', '=', tenantId)
    .where('tree_size', '=', latest.tree_size)
    .executeTakeFirstOrThrow();
  let oldSize = cosignedSize;
  for (let attempt = 0; attempt < 2; attempt++) {
    const proof = oldSize === 0 ? [] : await readLogConsistency(db, tenantId, oldSize, latest.tree_size);
    const body = `old ${oldSize}\n${proof.map((line) => `${line}\n`).join('')}\n${plain.checkpoint}`;
    const response = await fetch(`${target.url}/add-checkpoint`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
      signal: AbortSignal.timeout(WITNESS_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status === 409 && attempt === 0) {
      const size = Number(text.trim());
      if (!Number.isSafeInteger(size) || size < 0 || size > latest.tree_size) {
        throw new Error(`witness ${witness} answered 409 with size ${JSON.stringify(text.trim())}`);
      }
      oldSize = size;
      continue;
    }
    if (response.status !== 200) {
      throw new Error(
        `witness ${witness} refused size ${latest.tree_size}: HTTP ${response.status} ${text.trim().slice(0, 200)}`,
      );
    }
    const line = text.endsWith('\n') ? text : `${text}\n`;
    const check = verifyCosignature(plain.checkpoint + line, target.key);
    if (!check.valid)
      throw new Error(`witness ${witness} answered a cosignature that does not verify: ${check.reason ?? ''}`);
    await db
      .insertInto('tenant_log_cosignatures')
      .values({ tenant_id: tenantId, tree_size: latest.tree_size, witness, signature: line })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return;
  }
  throw new Error(`witness ${witness} kept answering 409`);
}
