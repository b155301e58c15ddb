import { sql, type Kysely } from 'kysely';
import type { ProofTables } from './proof-tables';
import type { ProofDatabase } from './run-proof';

/**
 * What an audit can find besides a trace that does not verify (docs/int-cli.md, `audit`): every kind is a
 * finding, and any finding makes an audit fail.
 *
 * @example
 * ```ts
 * AUDIT_FINDING_KINDS.includes('orphan_trace'); // true
 * ```
 */
export const AUDIT_FINDING_KINDS = [
  /** A sealed trace whose recomputed record does not match (the verifier's reason). */
  'verification_failed',
  /** A trace whose run row is missing (deleted). */
  'orphan_trace',
  /** A run that finished (succeeded, failed, halted) with a trace that was never sealed. */
  'unsealed_trace',
  /** A run left `running` with no progress for longer than the stale threshold. */
  'stale_run',
  /** A run that started an attempt (or finished other than `plan_generation_failed`) with no trace. */
  'missing_trace',
  /** A run id that cost events, budget alerts or trace steps refer to, with neither run row nor trace. */
  'missing_run',
  /** The number of traces differs from the number of runs that should have one. */
  'count_mismatch',
  /** A tenant log has no leaf at an index below its size (a logged run was deleted): names the first missing index. */
  'log_gap',
  /** A leaf that is malformed, whose leaf_hash is not its hash, or that states another index, tenant, run or trace than its row. */
  'log_leaf_invalid',
  /** A leaf whose run row or trace is gone: the run was deleted after it was logged. */
  'log_leaf_orphan',
  /** A leaf that does not state what its run and sealed trace say now: the run was rewritten after it was logged. */
  'log_leaf_mismatch',
  /** A sealed trace that is neither in its tenant's log nor queued for it. */
  'log_leaf_missing',
  /** A sealed trace queued for its tenant's log for longer than the stale threshold. */
  'log_queue_stale',
  /** A tenant checkpoint not signed by a trusted key with the tenant's origin, or whose row disagrees with its note. */
  'log_checkpoint_invalid',
  /** A tenant checkpoint whose root is not the root re-derived from the leaves at its size: names the first such size. */
  'log_checkpoint_inconsistent',
  /** A stored subtree node of a tenant log that is missing, extra, or not the hash of the leaves below it. */
  'log_node_mismatch',
] as const;

/**
 * One of {@link AUDIT_FINDING_KINDS}.
 *
 * @example
 * ```ts
 * const kind: AuditFindingKind = 'stale_run';
 * ```
 */
export type AuditFindingKind = (typeof AUDIT_FINDING_KINDS)[number];

/**
 * One thing an audit found, with the ids it concerns (those it knows) and a one-line message.
 *
 * @example
 * ```ts
 * const finding: AuditFinding = { kind: 'orphan_trace', trace_id, tenant_id: 'acme', message: 'run row missing' };
 * ```
 */
export interface AuditFinding {
  kind: AuditFindingKind;
  run_id?: string;
  trace_id?: string;
  tenant_id?: string;
  /** The tenant-log index a `log_*` finding concerns (for `log_gap`, the first missing one). */
  log_index?: number;
  message: string;
}

/** What {@link auditTraceCoverage} counted and found. */
export interface TraceCoverage {
  /** Traces (sealed or not), of the tenant or all. */
  traces: number;
  /** Traces not sealed yet: running or retrying runs, and whatever the findings name. */
  unsealed: number;
  /** Runs that should have a trace: every run but queued ones and `plan_generation_failed` failures. */
  runs_expecting_trace: number;
  findings: AuditFinding[];
}

/** How an audit tells a stuck run from a busy one. */
export interface TraceCoverageOptions {
  tenantId?: string | undefined;
  /**
   * A `running` run is stale when it started this long ago or more and appended no step since:
   * the same rule `int-cli recover --older-than` applies.
   */
  staleAfterMs: number;
  /** Defaults to the current time. */
  now?: Date;
}

const TERMINAL = ['succeeded', 'failed', 'halted'] as const;
const PLAN_FAILED_PREFIX = 'plan_generation_failed:';

function tenantScope(column: string, tenantId: string | undefined) {
  return tenantId === undefined ? sql`TRUE` : sql`${sql.ref(column)} = ${tenantId}`;
}

/** Runs that should have a trace: every attempt creates the trace in the statement that claims it. */
function expectsTrace(alias: string) {
  return sql`(${sql.ref(`${alias}.status`)} <> 'queued' AND NOT (${sql.ref(`${alias}.status`)} = 'failed' AND starts_with(coalesce(${sql.ref(`${alias}.error_message`)}, ''), ${PLAN_FAILED_PREFIX})))`;
}

/**
 * The coverage half of an audit (docs/int-cli.md, `audit`), beside the verification of every sealed trace
 * (`auditSealedTraces`, which reports sealed orphans): that every unsealed trace has its run,
 * every run that should have a trace has one, no finished run left its trace unsealed, no run
 * is stuck `running`, and no run was deleted while its cost events, alerts or steps remain. A run deleted with
 * every row that mentions it is beyond what the store alone can show (the tenant log is what
 * shows it). One query per kind, whatever the number of runs.
 *
 * @example
 * ```ts
 * const { findings } = await auditTraceCoverage(db, { staleAfterMs: 15 * 60_000 })
 * for (const f of findings) console.error(`${f.kind}: ${f.message}`)
 * ```
 */
export async function auditTraceCoverage(db: ProofDatabase, options: TraceCoverageOptions): Promise<TraceCoverage> {
  const tables = db as Kysely<ProofTables>;
  const tenant = options.tenantId;
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.staleAfterMs);
  const findings: AuditFinding[] = [];

  const counts = await sql<{ traces: number; unsealed: number; expected: number }>`
    SELECT
      (SELECT count(*)::int FROM aos_traces t WHERE ${tenantScope('t.tenant_id', tenant)}) AS traces,
      (SELECT count(*)::int FROM aos_traces t WHERE t.sealed_at IS NULL AND ${tenantScope('t.tenant_id', tenant)}) AS unsealed,
      (SELECT count(*)::int FROM runs r WHERE ${expectsTrace('r')} AND ${tenantScope('r.tenant_id', tenant)}) AS expected`.execute(
    tables,
  );
  const { traces, unsealed, expected } = counts.rows[0] ?? { traces: 0, unsealed: 0, expected: 0 };

  // Sealed orphans are found by auditSealedTraces, which verifies every sealed trace anyway.
  const orphans = await sql<{ trace_id: string; run_id: string; tenant_id: string }>`
    SELECT t.trace_id, t.run_id, t.tenant_id
    FROM aos_traces t
    WHERE t.sealed_at IS NULL AND ${tenantScope('t.tenant_id', tenant)}
      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = t.run_id)
    ORDER BY t.trace_id`.execute(tables);
  for (const o of orphans.rows) {
    findings.push({
      kind: 'orphan_trace',
      run_id: o.run_id,
      trace_id: o.trace_id,
      tenant_id: o.tenant_id,
      message: `unsealed trace ${o.trace_id} has no run row: run ${o.run_id} was deleted`,
    });
  }

  const open = await sql<{
    trace_id: string;
    run_id: string;
    tenant_id: string;
    status: string;
    started_at: Date | null;
    last_step_at: Date | null;
  }>`
    SELECT t.trace_id, t.run_id, t.tenant_id, r.status, r.started_at,
           (SELECT max(s.completed_at) FROM aos_trace_steps s WHERE s.run_id = r.id) AS last_step_at
    FROM aos_traces t JOIN runs r ON r.id = t.run_id
    WHERE t.sealed_at IS NULL AND ${tenantScope('t.tenant_id', tenant)}
    ORDER BY t.trace_id`.execute(tables);
  for (const row of open.rows) {
    const ids = { run_id: row.run_id, trace_id: row.trace_id, tenant_id: row.tenant_id };
    if ((TERMINAL as readonly string[]).includes(row.status)) {
      findings.push({
        kind: 'unsealed_trace',
        ...ids,
        message: `run ${row.run_id} is ${row.status} but its trace ${row.trace_id} was never sealed (the seal is written with the final status)`,
      });
    } else if (row.status === 'running' && isStale(row.started_at, row.last_step_at, cutoff)) {
      const since = row.last_step_at ?? row.started_at;
      findings.push({
        kind: 'stale_run',
        ...ids,
        message:
          `run ${row.run_id} is still running with no progress since ${since?.toISOString() ?? 'it started'} ` +
          `(over ${Math.round(options.staleAfterMs / 1000)}s) and its trace is open: int-cli recover finishes it`,
      });
    }
  }

  const missing = await sql<{ id: string; tenant_id: string; status: string }>`
    SELECT r.id, r.tenant_id, r.status FROM runs r
    WHERE ${expectsTrace('r')} AND ${tenantScope('r.tenant_id', tenant)}
      AND NOT EXISTS (SELECT 1 FROM aos_traces t WHERE t.run_id = r.id)
    ORDER BY r.created_at, r.id`.execute(tables);
  for (const run of missing.rows) {
    findings.push({
      kind: 'missing_trace',
      run_id: run.id,
      tenant_id: run.tenant_id,
      message: `run ${run.id} is ${run.status} but has no trace (only queued runs and plan_generation_failed failures have none)`,
    });
  }

  const deleted = await sql<{ run_id: string; tenant_id: string; sources: string }>`
    SELECT refs.run_id, refs.tenant_id, string_agg(DISTINCT refs.source, ', ' ORDER BY refs.source) AS sources
    FROM (
      SELECT run_id, tenant_id, 'cost events' AS source FROM cost_events WHERE run_id IS NOT NULL
      UNION ALL SELECT run_id, tenant_id, 'budget alerts' FROM budget_alerts WHERE run_id IS NOT NULL
      UNION ALL SELECT run_id, tenant_id, 'trace steps' FROM aos_trace_steps
    ) refs
    WHERE ${tenantScope('refs.tenant_id', tenant)}
      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = refs.run_id)
      AND NOT EXISTS (SELECT 1 FROM aos_traces t WHERE t.run_id = refs.run_id)
    GROUP BY refs.run_id, refs.tenant_id
    ORDER BY refs.run_id`.execute(tables);
  for (const ref of deleted.rows) {
    findings.push({
      kind: 'missing_run',
      run_id: ref.run_id,
      tenant_id: ref.tenant_id,
      message: `run ${ref.run_id} has ${ref.sources} but neither a run row nor a trace: the run was deleted`,
    });
  }

  if (traces !== expected) {
    findings.push({
      kind: 'count_mismatch',
      ...(tenant !== undefined && { tenant_id: tenant }),
      message: `${traces} trace${traces === 1 ? '' : 's'} but ${expected} run${expected === 1 ? '' : 's'} that should have one (every run but queued ones and plan_generation_failed failures)`,
    });
  }
  return { traces, unsealed, runs_expecting_trace: expected, findings };
}

/** `int-cli recover`'s rule: started at or before the cutoff (or never) and no step completed after it. */
function isStale(startedAt: Date | null, lastStepAt: Date | null, cutoff: Date): boolean {
  if (startedAt !== null && startedAt > cutoff) return false;
  return lastStepAt === null || lastStepAt <= cutoff;
}
