import { sql, type Kysely } from 'kysely';

import { ProofError } from '../errors';
import { readConsistencyProof } from '../merkle-consistency';
import { LOG_RECEIPT_FORMAT, proofToBase64, TenantLogLeafSchema, type LogReceipt } from '../tenant-log';
import { readInclusionProof, type TreeNodeId, type TreeNodeReader } from '../tree-node-reader';
import type { ProofTables } from './proof-tables';
import type { ProofDatabase } from './run-proof';
import { safeParseSchema } from '../zod-error';

/**
 * A {@link TreeNodeReader} over a tenant's stored log: level-0 nodes are leaf hashes
 * (`tenant_log_leaves`), higher ones the stored subtree hashes (`tenant_log_nodes`). Every read
 * is one query; a node that is not stored throws a {@link ProofError} `PROOF_BAD_VALUE` naming it
 * (the log is missing a node it must have: audit reports it).
 *
 * @example
 * ```ts
 * const proof = await readInclusionProof(storedTreeReader(db, 'acme'), 3, 17);
 * ```
 */
export function storedTreeReader(db: ProofDatabase, tenantId: string): TreeNodeReader {
  return {
    async readNodes(ids: readonly TreeNodeId[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const levels = ids.map((id) => id.level);
      const indexes = ids.map((id) => id.index);
      const rows = await sql<{ level: number; node_index: number; hash: string }>`
        WITH wanted AS (
          SELECT * FROM unnest(${levels}::int[], ${indexes}::bigint[]) AS w(level, node_index)
        )
        SELECT 0 AS level, l.log_index AS node_index, l.leaf_hash AS hash
          FROM tenant_log_leaves l JOIN wanted w ON w.level = 0 AND l.log_index = w.node_index
         WHERE l.tenant_id = ${tenantId}
        UNION ALL
        SELECT n.level, n.node_index, n.hash
          FROM tenant_log_nodes n JOIN wanted w ON w.level = n.level AND n.node_index = w.node_index
         WHERE n.tenant_id = ${tenantId}`.execute(db);
      const found = new Map(rows.rows.map((row) => [`${Number(row.level)}:${Number(row.node_index)}`, row.hash]));
      return ids.map((id) => {
        const hash = found.get(`${id.level}:${id.index}`);
        if (hash === undefined) {
          throw new ProofError(
            'PROOF_BAD_VALUE',
            `tenant log of ${tenantId} has no stored node at level ${id.level}, index ${id.index}`,
          );
        }
        return hash;
      });
    },
  };
}

/** A stored tenant checkpoint with its witnesses' cosignatures. */
export interface StoredLogCheckpoint {
  tree_size: number;
  root_hash: string;
  /** The signed note with every stored cosignature line appended (what readers verify). */
  checkpoint: string;
  /** The witnesses that cosigned it, by name. */
  cosigned_by: string[];
}

/**
 * The tenant's newest checkpoint (or the one of `treeSize`), with its cosignatures appended to
 * the note; `null` when there is none.
 *
 * @example
 * ```ts
 * const latest = await readLogCheckpoint(db, 'acme');
 * console.log(latest?.tree_size, latest?.cosigned_by);
 * ```
 */
export async function readLogCheckpoint(
  db: ProofDatabase,
  tenantId: string,
  treeSize?: number,
): Promise<StoredLogCheckpoint | null> {
  const tables = db as Kysely<ProofTables>;
  let query = tables
    .selectFrom('tenant_log_checkpoints')
    .select(['tree_size', 'root_hash', 'checkpoint'])
    .where('tenant_id', '=', tenantId);
  query =
    treeSize === undefined ? query.orderBy('tree_size', 'desc').limit(1) : query.where('tree_size', '=', treeSize);
  const row = await query.executeTakeFirst();
  if (!row) return null;
  const cosignatures = await tables
    .selectFrom('tenant_log_cosignatures')
    .select(['witness', 'signature'])
    .where('tenant_id', '=', tenantId)
    .where('tree_size', '=', row.tree_size)
    .orderBy('witness')
    .execute();
  return {
    tree_size: Number(row.tree_size),
    root_hash: row.root_hash,
    checkpoint: row.checkpoint + cosignatures.map((c) => c.signature).join(''),
    cosigned_by: cosignatures.map((c) => c.witness),
  };
}

/**
 * The RFC 9162 consistency proof (base64 hashes) between two sizes of a tenant's log, read from
 * stored nodes. Throws a {@link ProofError} `PROOF_BAD_VALUE` for sizes that are not
 * `1 ≤ from ≤ to`.
 *
 * @example
 * ```ts
 * const proof = await readLogConsistency(db, 'acme', saved.treeSize, latest.tree_size);
 * ```
 */
export async function readLogConsistency(
  db: ProofDatabase,
  tenantId: string,
  from: number,
  to: number,
): Promise<string[]> {
  return proofToBase64(await readConsistencyProof(storedTreeReader(db, tenantId), from, to));
}

/**
 * The RFC 9162 inclusion proof (base64 hashes) of leaf `index` in the tenant's log of `size` leaves.
 *
 * @example
 * ```ts
 * const proof = await readLogInclusion(db, 'acme', 3, 17);
 * ```
 */
export async function readLogInclusion(
  db: ProofDatabase,
  tenantId: string,
  index: number,
  size: number,
): Promise<string[]> {
  return proofToBase64(await readInclusionProof(storedTreeReader(db, tenantId), index, size));
}

/** Where a trace stands with its tenant log: in it (with the leaf), waiting for the sequencer, or neither. */
export type LogPlacement =
  | { state: 'logged'; log_index: number; leaf: LogReceipt['leaf']; leaf_hash: string }
  | { state: 'queued' }
  | { state: 'absent' };

/**
 * Where the trace `traceId` of the tenant stands with the tenant's log.
 *
 * @example
 * ```ts
 * const placement = await readLogPlacement(db, 'acme', `trace_${runId}`);
 * ```
 */
export async function readLogPlacement(db: ProofDatabase, tenantId: string, traceId: string): Promise<LogPlacement> {
  const tables = db as Kysely<ProofTables>;
  const row = await tables
    .selectFrom('tenant_log_leaves')
    .select(['log_index', 'leaf', 'leaf_hash'])
    .where('tenant_id', '=', tenantId)
    .where('trace_id', '=', traceId)
    .executeTakeFirst();
  if (row) {
    const leaf = safeParseSchema(TenantLogLeafSchema, row.leaf);
    if (!leaf.success) {
      throw new ProofError(
        'PROOF_BAD_VALUE',
        `the tenant-log leaf of ${traceId} is malformed: ${leaf.error.issues[0]?.message ?? ''}`,
      );
    }
    return { state: 'logged', log_index: Number(row.log_index), leaf: leaf.data, leaf_hash: row.leaf_hash };
  }
  const queued = await sql<{ one: number }>`
    SELECT 1 AS one FROM tenant_log_queue WHERE tenant_id = ${tenantId} AND trace_id = ${traceId}`.execute(db);
  return queued.rows.length > 0 ? { state: 'queued' } : { state: 'absent' };
}

/**
 * The receipt of the trace `traceId` (SPEC §13): its leaf, an inclusion proof into the tenant's
 * newest checkpoint (with its cosignatures), and a consistency proof from `sinceSize` when that
 * is a smaller earlier size. `null` while the trace is not in the log.
 *
 * @example
 * ```ts
 * const receipt = await readRunReceipt(db, 'acme', `trace_${runId}`, { sinceSize: saved.treeSize });
 * ```
 */
export async function readRunReceipt(
  db: ProofDatabase,
  tenantId: string,
  traceId: string,
  options: { sinceSize?: number | undefined } = {},
): Promise<LogReceipt | null> {
  const placement = await readLogPlacement(db, tenantId, traceId);
  if (placement.state !== 'logged') return null;
  const latest = await readLogCheckpoint(db, tenantId);
  if (!latest || latest.tree_size <= placement.log_index) return null;
  const inclusion = await readLogInclusion(db, tenantId, placement.log_index, latest.tree_size);
  const since = options.sinceSize;
  const consistency =
    since !== undefined && Number.isSafeInteger(since) && since >= 1 && since < latest.tree_size
      ? { from_size: since, proof: await readLogConsistency(db, tenantId, since, latest.tree_size) }
      : null;
  return {
    format: LOG_RECEIPT_FORMAT,
    leaf: placement.leaf,
    leaf_hash: placement.leaf_hash,
    inclusion_proof: inclusion,
    checkpoint: latest.checkpoint,
    consistency,
  };
}
