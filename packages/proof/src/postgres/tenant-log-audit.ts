import { sql } from 'kysely';

import { TreeFrontier } from '../tree-frontier';
import { tenantLogLeafHash, TenantLogLeafSchema, verifyTenantCheckpoint, type TenantLogLeaf } from '../tenant-log';
import { parseTrustedKeys, type TrustedKeys } from '../trace-verifier';
import type { VerifierKey } from '../note-key';
import type { ProofDatabase } from './run-proof';
import type { AuditFinding } from './trace-coverage-audit';
import { safeParseSchema } from '../zod-error';

/** Leaves read per query by default. */
const DEFAULT_LOG_BATCH = 1000;
/** Deepest level a stored node can have (the table's CHECK). */
const MAX_LEVEL = 62;

/** What {@link auditTenantLogs} checks. */
export interface TenantLogAuditOptions {
  /** Keys a tenant checkpoint may be signed by (the deployment's key set). */
  trustedKeys: TrustedKeys;
  /** Only this tenant's log; every tenant with a log without it. */
  tenantId?: string | undefined;
  /** A sealed trace waiting in the queue this long or more is a finding (`log_queue_stale`). */
  staleAfterMs: number;
  /** Defaults to the current time. */
  now?: Date;
  /** Leaves per query (one query for leaves with their traces and runs, one for nodes, one for checkpoints). */
  batchSize?: number;
}

/** One tenant log as the audit re-derived it. */
export interface TenantLogSummary {
  tenant_id: string;
  /** Leaf rows read. */
  leaves: number;
  /** Size of the newest stored checkpoint (null when none is stored). */
  tree_size: number | null;
  /** Stored checkpoints (every size ever signed). */
  checkpoints: number;
  /** RFC 9162 root re-derived over every leaf; null when a missing leaf leaves it undefined. */
  root_hash: string | null;
}

/** What {@link auditTenantLogs} read and found. */
export interface TenantLogAudit {
  logs: TenantLogSummary[];
  /** Sealed traces waiting for the sequencer for less than the stale threshold: not findings. */
  queued: number;
  findings: AuditFinding[];
}

interface LeafRow {
  log_index: number | string;
  run_id: string;
  trace_id: string;
  leaf: unknown;
  leaf_hash: string;
  trace_tenant_id: string | null;
  trace_run_id: string | null;
  plan_hash: string | null;
  genesis_hash: string | null;
  root_hash: string | null;
  merkle_root: string | null;
  chain_length: number | null;
  sealed_at: Date | string | null;
  run_row_id: string | null;
  run_tenant_id: string | null;
  run_status: string | null;
}

interface CheckpointRow {
  tree_size: number | string;
  root_hash: string;
  checkpoint: string;
}

/** The first of a kind of problem in one log, and how many there were (one finding, not thousands). */
interface FirstProblem {
  finding: AuditFinding;
  count: number;
}

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function tenantScope(column: string, tenantId: string | undefined) {
  return tenantId === undefined ? sql`TRUE` : sql`${sql.ref(column)} = ${tenantId}`;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * The tenant-log half of an audit (SPEC §13, docs/int-cli.md `audit`), for every tenant with a
 * log (or one): reads each log once, leaves in log_index order in batches (each with its trace
 * and run), and checks that
 * - log_index is dense from 0 to the newest checkpoint's size (`log_gap` names the first missing index);
 * - each leaf is well formed, its leaf_hash is SHA-256(0x00 ‖ JCS(leaf)) and it states its own
 *   index, tenant, run and trace (`log_leaf_invalid`);
 * - each leaf's run and trace still exist (`log_leaf_orphan`) and the leaf states what they say
 *   now: plan_hash, genesis_hash, root_hash, merkle_root, tree_size, run_status, sealed_at
 *   (`log_leaf_mismatch`: the run was rewritten after it was logged);
 * - the RFC 9162 root, re-derived incrementally (a frontier of O(log n) subtrees, never all
 *   leaves in memory), equals every stored checkpoint's root at its size, and each checkpoint is
 *   signed by a trusted key with the tenant's origin and agrees with its row
 *   (`log_checkpoint_inconsistent` names the first size that disagrees; `log_checkpoint_invalid`);
 * - every stored subtree node equals its recomputation, and none is missing or extra (`log_node_mismatch`);
 * - every sealed trace has its leaf (`log_leaf_missing`), except traces still queued for the
 *   sequencer: those are counted in `queued`, and are `log_queue_stale` findings once queued
 *   for `staleAfterMs` or more. A trace has at most one leaf: `trace_id` is unique in the log.
 *
 * @example
 * ```ts
 * const { logs, findings } = await auditTenantLogs(db, { trustedKeys: [vkey], staleAfterMs: 15 * 60_000 });
 * for (const log of logs) console.log(log.tenant_id, log.leaves, log.root_hash);
 * ```
 */
export async function auditTenantLogs(db: ProofDatabase, options: TenantLogAuditOptions): Promise<TenantLogAudit> {
  const keys = parseTrustedKeys(options.trustedKeys);
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_LOG_BATCH);
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.staleAfterMs);
  const findings: AuditFinding[] = [];
  const tenants = await sql<{ tenant_id: string }>`
    SELECT tenant_id FROM tenant_log_checkpoints WHERE ${tenantScope('tenant_id', options.tenantId)}
    UNION
    SELECT tenant_id FROM tenant_log_leaves WHERE ${tenantScope('tenant_id', options.tenantId)}
    ORDER BY tenant_id`.execute(db);
  const logs: TenantLogSummary[] = [];
  for (const { tenant_id: tenant } of tenants.rows) {
    logs.push(await auditOneLog(db, tenant, keys, batchSize, findings));
  }
  const queued = await auditLogCoverage(db, options.tenantId, cutoff, options.staleAfterMs, findings);
  return { logs, queued, findings };
}

/** Sealed traces without a leaf: findings, or waiting in the queue (counted; findings once stale). */
async function auditLogCoverage(
  db: ProofDatabase,
  tenantId: string | undefined,
  cutoff: Date,
  staleAfterMs: number,
  findings: AuditFinding[],
): Promise<number> {
  const unlogged = await sql<{
    trace_id: string;
    run_id: string;
    tenant_id: string;
    sealed_at: Date | string;
    queued_at: Date | string | null;
  }>`
    SELECT t.trace_id, t.run_id, t.tenant_id, t.sealed_at, q.sealed_at AS queued_at
    FROM aos_traces t LEFT JOIN tenant_log_queue q ON q.trace_id = t.trace_id
    WHERE t.sealed_at IS NOT NULL AND ${tenantScope('t.tenant_id', tenantId)}
      AND NOT EXISTS (SELECT 1 FROM tenant_log_leaves l WHERE l.trace_id = t.trace_id)
      AND (q.trace_id IS NULL OR q.sealed_at <= ${cutoff})
    ORDER BY t.tenant_id, t.sealed_at, t.trace_id`.execute(db);
  for (const row of unlogged.rows) {
    const ids = { run_id: row.run_id, trace_id: row.trace_id, tenant_id: row.tenant_id };
    if (row.queued_at === null) {
      findings.push({
        kind: 'log_leaf_missing',
        ...ids,
        message:
          `sealed trace ${row.trace_id} (sealed ${iso(row.sealed_at) ?? ''}) is neither in the log of tenant ${row.tenant_id} ` +
          `nor queued for it (the sequencer leaves out a trace that no longer verifies; otherwise its leaf was removed)`,
      });
    } else {
      findings.push({
        kind: 'log_queue_stale',
        ...ids,
        message:
          `sealed trace ${row.trace_id} has waited for the log of tenant ${row.tenant_id} since ${iso(row.queued_at) ?? ''} ` +
          `(over ${Math.round(staleAfterMs / 1000)}s): is the sequencer running?`,
      });
    }
  }
  const waiting = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM tenant_log_queue q JOIN aos_traces t ON t.trace_id = q.trace_id
    WHERE t.sealed_at IS NOT NULL AND q.sealed_at > ${cutoff} AND ${tenantScope('t.tenant_id', tenantId)}
      AND NOT EXISTS (SELECT 1 FROM tenant_log_leaves l WHERE l.trace_id = t.trace_id)`.execute(db);
  return Number(waiting.rows[0]?.n ?? 0);
}

/** One pass over one tenant's log: leaves, nodes and checkpoints in log order, a batch at a time. */
async function auditOneLog(
  db: ProofDatabase,
  tenant: string,
  keys: readonly VerifierKey[],
  batchSize: number,
  findings: AuditFinding[],
): Promise<TenantLogSummary> {
  const totals = await sql<{ max_size: number | string | null; checkpoints: number | string; nodes: number | string }>`
    SELECT (SELECT max(tree_size) FROM tenant_log_checkpoints WHERE tenant_id = ${tenant}) AS max_size,
           (SELECT count(*) FROM tenant_log_checkpoints WHERE tenant_id = ${tenant}) AS checkpoints,
           (SELECT count(*) FROM tenant_log_nodes WHERE tenant_id = ${tenant}) AS nodes`.execute(db);
  const maxSize = totals.rows[0]?.max_size == null ? null : Number(totals.rows[0].max_size);
  const storedNodes = Number(totals.rows[0]?.nodes ?? 0);

  const frontier = TreeFrontier.empty();
  let next = 0;
  let leaves = 0;
  /** The first missing index: no root (or node) from there on can be re-derived. */
  let broken: number | null = null;
  let checkpointsChecked = 0;
  let lastConsistent = 0;
  const problems: { inconsistent?: FirstProblem; invalid?: FirstProblem; node?: FirstProblem } = {};
  const note = (which: keyof typeof problems, finding: AuditFinding) => {
    const seen = problems[which];
    if (seen) seen.count += 1;
    else problems[which] = { finding, count: 1 };
  };
  const gap = (from: number, to: number) => {
    const count = to - from + 1;
    findings.push({
      kind: 'log_gap',
      tenant_id: tenant,
      log_index: from,
      message:
        `the log of tenant ${tenant} has no leaf at log_index ${count === 1 ? from : `${from}..${to} (${count} leaves)`}: ` +
        `a logged run was deleted from it`,
    });
    broken ??= from;
  };
  const checkCheckpoints = (rows: readonly CheckpointRow[], roots: ReadonlyMap<number, string>) => {
    for (const row of rows) {
      const size = Number(row.tree_size);
      checkpointsChecked += 1;
      const signed = verifyTenantCheckpoint(row.checkpoint, keys, tenant);
      if ('reason' in signed) {
        note('invalid', {
          kind: 'log_checkpoint_invalid',
          tenant_id: tenant,
          message: `tenant ${tenant}: the checkpoint of size ${size} is not valid: ${signed.reason}`,
        });
      } else if (signed.treeSize !== size || signed.rootHash !== row.root_hash) {
        note('invalid', {
          kind: 'log_checkpoint_invalid',
          tenant_id: tenant,
          message: `tenant ${tenant}: the stored row of the checkpoint of size ${size} does not state the size and root its signed note does`,
        });
      }
      const derived = roots.get(size);
      const stated = 'reason' in signed ? row.root_hash : signed.rootHash;
      if (derived === stated && derived === row.root_hash) {
        if (problems.inconsistent === undefined) lastConsistent = size;
        continue;
      }
      const why =
        derived === undefined
          ? `its leaves cannot be re-derived (log_index ${broken ?? next} is missing)`
          : `its root ${stated.slice(0, 16)}… is not ${derived.slice(0, 16)}…, the root of the first ${plural(size, 'leaf', 'leaves')} as stored now`;
      note('inconsistent', {
        kind: 'log_checkpoint_inconsistent',
        tenant_id: tenant,
        message:
          `tenant ${tenant}: the checkpoint of size ${size} is inconsistent with the log: ${why}` +
          (lastConsistent > 0 ? ` (checkpoints up to size ${lastConsistent} agree)` : ''),
      });
    }
  };
  const readCheckpoints = async (above: number, upTo: number | null) =>
    (
      await sql<CheckpointRow>`
        SELECT tree_size, root_hash, checkpoint FROM tenant_log_checkpoints
        WHERE tenant_id = ${tenant} AND tree_size > ${above} AND (${upTo}::bigint IS NULL OR tree_size <= ${upTo}::bigint)
        ORDER BY tree_size LIMIT ${batchSize}`.execute(db)
    ).rows;

  let checkpointsUpTo = 0;
  for (;;) {
    const rows = (
      await sql<LeafRow>`
        SELECT l.log_index, l.run_id, l.trace_id, l.leaf, l.leaf_hash,
               t.tenant_id AS trace_tenant_id, t.run_id AS trace_run_id, t.plan_hash, t.genesis_hash,
               t.root_hash, t.merkle_root, t.chain_length, t.sealed_at,
               r.id AS run_row_id, r.tenant_id AS run_tenant_id, r.status AS run_status
        FROM tenant_log_leaves l
          LEFT JOIN aos_traces t ON t.trace_id = l.trace_id
          LEFT JOIN runs r ON r.id = l.run_id
        WHERE l.tenant_id = ${tenant} AND l.log_index >= ${next}
        ORDER BY l.log_index
        LIMIT ${batchSize}`.execute(db)
    ).rows;
    if (rows.length === 0) break;
    const first = Number(rows[0]?.log_index);
    const last = Number(rows[rows.length - 1]?.log_index);
    const stored = broken === null ? await readNodes(db, tenant, first, last) : new Map<string, string>();
    const sizes = new Set<number>();
    const checkpoints: CheckpointRow[] = [];
    for (let page = await readCheckpoints(checkpointsUpTo, last + 1); page.length > 0;) {
      for (const row of page) sizes.add(Number(row.tree_size));
      checkpoints.push(...page);
      checkpointsUpTo = Number(page[page.length - 1]?.tree_size);
      page = page.length < batchSize ? [] : await readCheckpoints(checkpointsUpTo, last + 1);
    }
    checkpointsUpTo = Math.max(checkpointsUpTo, last + 1);
    const roots = new Map<number, string>();
    for (const row of rows) {
      const index = Number(row.log_index);
      if (index !== next) gap(next, index - 1);
      next = index + 1;
      leaves += 1;
      checkLeaf(tenant, index, row, findings);
      if (broken !== null) continue;
      for (const parent of frontier.append(row.leaf_hash)) {
        const hash = parent.hash;
        const have = stored.get(`${parent.level}:${parent.index}`);
        if (have !== hash) {
          note('node', {
            kind: 'log_node_mismatch',
            tenant_id: tenant,
            log_index: index,
            message:
              `tenant ${tenant}: the stored node at level ${parent.level}, index ${parent.index} ` +
              (have === undefined ? 'is missing' : 'is not the hash of the leaves below it'),
          });
        }
      }
      if (sizes.has(index + 1)) roots.set(index + 1, frontier.root());
    }
    checkCheckpoints(checkpoints, roots);
    if (rows.length < batchSize) break;
  }
  if (maxSize !== null && next < maxSize) gap(next, maxSize - 1);
  // Checkpoints beyond the last leaf: their leaves are gone.
  for (let page = await readCheckpoints(checkpointsUpTo, null); page.length > 0;) {
    checkCheckpoints(page, new Map());
    checkpointsUpTo = Number(page[page.length - 1]?.tree_size);
    page = page.length < batchSize ? [] : await readCheckpoints(checkpointsUpTo, null);
  }
  if (broken === null) {
    let expected = 0;
    for (let level = 1; level <= MAX_LEVEL && 2 ** level <= next; level++) expected += Math.floor(next / 2 ** level);
    if (storedNodes > expected) {
      note('node', {
        kind: 'log_node_mismatch',
        tenant_id: tenant,
        message: `tenant ${tenant}: ${plural(storedNodes - expected, 'stored node')} beyond a log of ${plural(next, 'leaf', 'leaves')}`,
      });
    }
  }
  for (const problem of [problems.invalid, problems.inconsistent, problems.node]) {
    if (problem === undefined) continue;
    const more = problem.count - 1;
    findings.push(
      more === 0
        ? problem.finding
        : { ...problem.finding, message: `${problem.finding.message}; and ${more} more like it` },
    );
  }
  return {
    tenant_id: tenant,
    leaves,
    tree_size: maxSize,
    checkpoints: checkpointsChecked,
    root_hash: broken === null && next > 0 ? frontier.root() : null,
  };
}

/** The stored nodes (level ≥ 1) whose last leaf is in `[first, last]`: those the batch completes. */
async function readNodes(db: ProofDatabase, tenant: string, first: number, last: number): Promise<Map<string, string>> {
  const levels: number[] = [];
  const lows: number[] = [];
  const highs: number[] = [];
  // Node (L, i) covers leaves [i·2^L, (i+1)·2^L) and is complete once leaf (i+1)·2^L − 1 is.
  for (let level = 1; level <= MAX_LEVEL && 2 ** level <= last + 1; level++) {
    const width = 2 ** level;
    const low = Math.ceil((first + 1) / width) - 1;
    const high = Math.floor((last + 1) / width) - 1;
    if (low > high) continue;
    levels.push(level);
    lows.push(low);
    highs.push(high);
  }
  if (levels.length === 0) return new Map();
  const rows = await sql<{ level: number; node_index: number | string; hash: string }>`
    SELECT n.level, n.node_index, n.hash
    FROM tenant_log_nodes n
      JOIN unnest(${levels}::int[], ${lows}::bigint[], ${highs}::bigint[]) AS w(level, low, high)
        ON n.level = w.level AND n.node_index BETWEEN w.low AND w.high
    WHERE n.tenant_id = ${tenant}`.execute(db);
  return new Map(rows.rows.map((row) => [`${Number(row.level)}:${Number(row.node_index)}`, row.hash]));
}

/** The leaf row on its own (well formed, hashed, self-consistent), then against its trace and run. */
function checkLeaf(tenant: string, index: number, row: LeafRow, findings: AuditFinding[]): void {
  const ids = { run_id: row.run_id, trace_id: row.trace_id, tenant_id: tenant, log_index: index };
  const where = `leaf ${index} of the log of tenant ${tenant}`;
  const parsed = safeParseSchema(TenantLogLeafSchema, row.leaf);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    findings.push({
      kind: 'log_leaf_invalid',
      ...ids,
      message: `${where} is malformed: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    });
    return;
  }
  const leaf: TenantLogLeaf = parsed.data;
  const own: string[] = [];
  if (tenantLogLeafHash(leaf) !== row.leaf_hash) own.push('its leaf_hash is not the hash of the leaf');
  if (leaf.log_index !== index) own.push(`it states log_index ${leaf.log_index}`);
  if (leaf.tenant_id !== tenant) own.push(`it states tenant ${leaf.tenant_id}`);
  if (leaf.run_id !== row.run_id || leaf.trace_id !== row.trace_id)
    own.push('it states another run or trace than its row');
  if (own.length > 0) {
    findings.push({ kind: 'log_leaf_invalid', ...ids, message: `${where} was altered: ${own.join('; ')}` });
  }
  const gone = [row.run_row_id === null && 'run row', row.trace_tenant_id === null && 'trace'].filter(Boolean);
  if (gone.length > 0) {
    findings.push({
      kind: 'log_leaf_orphan',
      ...ids,
      message: `${where} is without its run: the ${gone.join(' and ')} of run ${row.run_id} (trace ${row.trace_id}) ${gone.length === 1 ? 'is' : 'are'} gone: the run was deleted after it was logged`,
    });
    return;
  }
  const expected: [keyof TenantLogLeaf, unknown][] = [
    ['tenant_id', row.trace_tenant_id],
    ['tenant_id', row.run_tenant_id],
    ['run_id', row.trace_run_id],
    ['plan_hash', row.plan_hash],
    ['genesis_hash', row.genesis_hash],
    ['root_hash', row.root_hash],
    ['merkle_root', row.merkle_root],
    ['tree_size', row.chain_length === null ? null : row.chain_length + 2],
    ['run_status', row.run_status],
    ['sealed_at', iso(row.sealed_at)],
  ];
  const differ = [...new Set(expected.filter(([field, value]) => leaf[field] !== value).map(([field]) => field))];
  if (differ.length > 0) {
    findings.push({
      kind: 'log_leaf_mismatch',
      ...ids,
      message: `${where} does not match run ${row.run_id}'s sealed trace: ${differ.join(', ')} differ${differ.length === 1 ? 's' : ''} (the run was rewritten after it was logged)`,
    });
  }
}
