import {
  parseTrustedKeys,
  signTenantCheckpoint,
  tenantLogLeafFor,
  tenantLogLeafHash,
  TenantLogLeafSchema,
  TreeFrontier,
  type SigningKey,
  type TenantLogLeaf,
  type TrustedKeys,
} from '@aos/proof';
import { storedTreeReader, verifyStoredTrace } from '@aos/proof/postgres';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema';

/** Runs per batch (SPEC §13: ≤ 256 runs or ≤ 250 ms). */
export const MAX_LOG_BATCH = 256;

/** What one batch did for one tenant's log. */
export interface LogBatch {
  readonly tenantId: string;
  /** Size of the log before and after the batch. */
  readonly fromSize: number;
  readonly treeSize: number;
  readonly rootHash: string;
  /** The tenant checkpoint signed for the new size (no cosignatures yet). */
  readonly checkpoint: string;
  /** Traces appended, in log order. */
  readonly traceIds: readonly string[];
  /** Traces taken off the queue without a leaf because their re-verification failed. */
  readonly refused: readonly { readonly traceId: string; readonly reason: string }[];
}

// Two-key advisory locks: the first key names the tenant logs, the second the tenant, so one
// tenant's appends are serialised across every process of a deployment.
const LOG_LOCK_CLASS = 0x41_4f_53_4c; // "AOSL"

/**
 * Integrates up to {@link MAX_LOG_BATCH} of a tenant's queued sealed traces into its log, in one
 * transaction under the tenant's advisory lock (SPEC §13): each trace is re-verified from its
 * stored rows against `trustedKeys` (a trace that no longer verifies is taken off the queue
 * with no leaf — audit reports it — and named in `refused`), its leaf appended at the next
 * index, every subtree it completes stored, and one tenant checkpoint signed for the new size.
 * A crash anywhere leaves the queue as it was and signs nothing; two sequencers never sign two
 * checkpoints of one size (the lock, and the table's key). Returns null when nothing was queued.
 *
 * @example
 * ```ts
 * const batch = await sequenceTenantLog(store.forTenant('acme'), 'acme', { signingKey, trustedKeys });
 * ```
 */
export async function sequenceTenantLog(
  db: Kysely<Database>,
  tenantId: string,
  options: { signingKey: SigningKey; trustedKeys: TrustedKeys; maxBatch?: number },
): Promise<LogBatch | null> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOG_LOCK_CLASS}, hashtext(${tenantId}))`.execute(trx);
    const queued = await trx
      .selectFrom('tenant_log_queue')
      .select(['trace_id'])
      .where('tenant_id', '=', tenantId)
      .orderBy('sealed_at')
      .orderBy('trace_id')
      .limit(options.maxBatch ?? MAX_LOG_BATCH)
      .execute();
    if (queued.length === 0) return null;
    const traceIds = queued.map((q) => q.trace_id);
    const verified = await reverify(trx, tenantId, traceIds, options.trustedKeys);
    const last = await trx
      .selectFrom('tenant_log_leaves')
      .select('log_index')
      .where('tenant_id', '=', tenantId)
      .orderBy('log_index', 'desc')
      .limit(1)
      .executeTakeFirst();
    const fromSize = last === undefined ? 0 : Number(last.log_index) + 1;
    const frontier = TreeFrontier.from(
      fromSize,
      await storedTreeReader(trx, tenantId).readNodes(TreeFrontier.idsFor(fromSize)),
    );
    const leaves = [];
    const nodes: { tenant_id: string; level: number; node_index: number; hash: string }[] = [];
    let size = fromSize;
    for (const { leaf: facts } of verified.accepted) {
      const leaf: TenantLogLeaf = { ...facts, log_index: size };
      const leafHash = tenantLogLeafHash(leaf);
      leaves.push({
        tenant_id: tenantId,
        log_index: size,
        run_id: leaf.run_id,
        trace_id: leaf.trace_id,
        leaf: JSON.stringify(leaf),
        leaf_hash: leafHash,
      });
      for (const node of frontier.append(leafHash)) {
        nodes.push({ tenant_id: tenantId, level: node.level, node_index: node.index, hash: node.hash });
      }
      size++;
    }
    if (leaves.length > 0) await trx.insertInto('tenant_log_leaves').values(leaves).execute();
    if (nodes.length > 0) await trx.insertInto('tenant_log_nodes').values(nodes).execute();
    await trx
      .deleteFrom('tenant_log_queue')
      .where('tenant_id', '=', tenantId)
      .where('trace_id', 'in', traceIds)
      .execute();
    for (const refused of verified.refused) {
      await trx
        .insertInto('budget_alerts')
        .values({
          tenant_id: tenantId,
          run_id: refused.runId,
          level: 'critical',
          period: 'run',
          message: `tenant log: trace ${refused.traceId} was not logged: it no longer verifies (${refused.reason})`,
          spend_cents: 0,
          limit_cents: 0,
        })
        .execute();
    }
    const rootHash = frontier.root();
    let checkpoint = '';
    if (leaves.length > 0) {
      checkpoint = signTenantCheckpoint(options.signingKey, tenantId, size, rootHash);
      await trx
        .insertInto('tenant_log_checkpoints')
        .values({ tenant_id: tenantId, tree_size: size, root_hash: rootHash, checkpoint })
        .execute();
    }
    return {
      tenantId,
      fromSize,
      treeSize: size,
      rootHash,
      checkpoint,
      traceIds: leaves.map((l) => l.trace_id),
      refused: verified.refused.map(({ traceId, reason }) => ({ traceId, reason })),
    };
  });
}

type LeafFacts = Omit<TenantLogLeaf, 'log_index'>;

/** Reads the queued traces with their runs and steps (three queries) and verifies each one. */
async function reverify(
  trx: Transaction<Database>,
  tenantId: string,
  traceIds: readonly string[],
  trustedKeys: TrustedKeys,
): Promise<{
  accepted: { leaf: LeafFacts }[];
  refused: { traceId: string; runId: string | null; reason: string }[];
}> {
  const traces = await trx.selectFrom('aos_traces').selectAll().where('trace_id', 'in', traceIds).execute();
  const runIds = traces.map((t) => t.run_id);
  const runs = runIds.length === 0 ? [] : await trx.selectFrom('runs').selectAll().where('id', 'in', runIds).execute();
  const steps = await trx
    .selectFrom('aos_trace_steps')
    .selectAll()
    .where('trace_id', 'in', traceIds)
    .orderBy('trace_id')
    .orderBy('step_index')
    .execute();
  const tracesById = new Map(traces.map((t) => [t.trace_id, t]));
  const runsById = new Map(runs.map((r) => [r.id, r]));
  const stepsByTrace = new Map<string, typeof steps>();
  for (const step of steps) {
    const list = stepsByTrace.get(step.trace_id);
    if (list) list.push(step);
    else stepsByTrace.set(step.trace_id, [step]);
  }
  const accepted: { leaf: LeafFacts }[] = [];
  const refused: { traceId: string; runId: string | null; reason: string }[] = [];
  const keys = parseTrustedKeys(trustedKeys); // once per batch, not once per trace
  for (const traceId of traceIds) {
    const trace = tracesById.get(traceId);
    const run = trace ? runsById.get(trace.run_id) : undefined;
    if (!trace || !run || trace.tenant_id !== tenantId || run.tenant_id !== tenantId) {
      refused.push({ traceId, runId: run?.id ?? null, reason: 'its run or trace row is missing' });
      continue;
    }
    const result = verifyStoredTrace(run, trace, stepsByTrace.get(traceId) ?? [], keys);
    if (result.verification_status !== 'VERIFIED' || trace.sealed_at === null) {
      refused.push({ traceId, runId: run.id, reason: result.failure_reason ?? 'not sealed' });
      continue;
    }
    const facts = tenantLogLeafFor(
      { run, trace: { ...trace, sealed_at: trace.sealed_at.toISOString() } },
      0, // the index is set when the leaf is appended
    );
    const { log_index: _placeholder, ...leaf } = TenantLogLeafSchema.parse(facts);
    accepted.push({ leaf });
  }
  return { accepted, refused };
}

/**
 * Integrates everything a tenant has queued, a batch at a time (the inline sequencer of local
 * mode, run right after a seal, and the catch-up of `recover`). Returns the batches.
 *
 * @example
 * ```ts
 * await drainTenantLog(store.forTenant('acme'), 'acme', { signingKey, trustedKeys });
 * ```
 */
export async function drainTenantLog(
  db: Kysely<Database>,
  tenantId: string,
  options: { signingKey: SigningKey; trustedKeys: TrustedKeys },
): Promise<LogBatch[]> {
  const batches: LogBatch[] = [];
  for (;;) {
    const batch = await sequenceTenantLog(db, tenantId, options);
    if (batch === null) return batches;
    batches.push(batch);
  }
}

/**
 * Tenants with sealed runs waiting for their logs, oldest first (a SECURITY DEFINER function:
 * the sequencer looks across tenants, then works for each under its tenant's policies).
 *
 * @example
 * ```ts
 * for (const { tenantId } of await pendingTenantLogs(store.db)) await drainTenantLog(store.forTenant(tenantId), tenantId, opts);
 * ```
 */
export async function pendingTenantLogs(db: Kysely<Database>): Promise<{ tenantId: string; pending: number }[]> {
  const rows = await sql<{ tenant_id: string; pending: number }>`SELECT * FROM aos_tenant_log_pending()`.execute(db);
  return rows.rows.map((r) => ({ tenantId: r.tenant_id, pending: Number(r.pending) }));
}
