import type { LogReceipt } from '@aos/proof';
import { readRunReceipt } from '@aos/proof/postgres';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { RUN_STATUSES, type Database, type Run, type TraceStep } from '../db/schema';
import { AosError } from '../errors';
import { parseInput, tenantIdSchema, uuidSchema } from '../validation';
import { CURSOR_CREATED_AT, cursorTime, takePage } from './keyset-page';
import { runCursorSchema } from './run-cursor';

/** A run with its trace summary and steps, as `get-run` shows it. */
export interface RunDetails {
  readonly run: Run;
  readonly trace: {
    trace_id: string;
    status: string;
    chain_length: number | null;
    root_hash: string | null;
    sealed_at: Date | null;
  } | null;
  readonly steps: readonly TraceStep[];
  /** The run's tenant-log receipt, once its sealed trace is in the log. */
  readonly receipt: LogReceipt | null;
}

/**
 * Reads one run of a tenant with its trace and steps. A run of another tenant is
 * RUN_NOT_FOUND, exactly like a missing one.
 *
 * @example
 * ```ts
 * const { run, steps } = await getRun(db, 'acme', runId)
 * ```
 */
export async function getRun(db: Kysely<Database>, tenantId: string, runId: string): Promise<RunDetails> {
  const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
  const id = parseInput(uuidSchema, runId, 'run_id');
  // One snapshot: the seal and the run's final status commit together, and three separate reads
  // could see the sealed trace of a run that still reads `running`.
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const run = await trx
        .selectFrom('runs')
        .selectAll()
        .where('id', '=', id)
        .where('tenant_id', '=', tenant)
        .executeTakeFirst();
      if (!run) throw new AosError('RUN_NOT_FOUND', `run ${id} not found for tenant ${tenant}`);
      const trace = await trx
        .selectFrom('aos_traces')
        .select(['trace_id', 'status', 'chain_length', 'root_hash', 'sealed_at'])
        .where('run_id', '=', id)
        .where('tenant_id', '=', tenant)
        .executeTakeFirst();
      const steps = await trx
        .selectFrom('aos_trace_steps')
        .selectAll()
        .where('run_id', '=', id)
        .where('tenant_id', '=', tenant)
        .orderBy('step_index')
        .execute();
      const receipt = trace?.sealed_at ? await readRunReceipt(trx, tenant, trace.trace_id) : null;
      return { run, trace: trace ?? null, steps, receipt };
    });
}

/** Filters of {@link listRuns}. */
export const ListRunsInputSchema = z
  .object({
    tenantId: tenantIdSchema,
    status: z.enum(RUN_STATUSES).optional(),
    limit: z.number().int().min(1).max(1000).default(20),
    /** The `nextCursor` of the previous page; absent for the first page. */
    cursor: runCursorSchema.optional(),
  })
  .strict();

/** One page of {@link listRuns}. */
export interface RunPage {
  readonly runs: Run[];
  /** Token for the page after this one; null on the last page. */
  readonly nextCursor: string | null;
}

/**
 * Lists a tenant's runs, newest first (`created_at desc`, ties by `id`), a page at a time. The
 * cursor only says where the previous page ended: the tenant filter applies to every page, so a
 * cursor taken from another tenant's list reveals nothing.
 *
 * @example
 * ```ts
 * const first = await listRuns(db, { tenantId: 'acme', status: 'failed', limit: 10 })
 * const second = await listRuns(db, { tenantId: 'acme', status: 'failed', limit: 10, cursor: first.nextCursor! })
 * ```
 */
export async function listRuns(db: Kysely<Database>, input: z.input<typeof ListRunsInputSchema>): Promise<RunPage> {
  const parsed = parseInput(ListRunsInputSchema, input, 'list_runs');
  let query = db
    .selectFrom('runs')
    .selectAll()
    .select(CURSOR_CREATED_AT.as('cursor_created_at'))
    .where('tenant_id', '=', parsed.tenantId);
  if (parsed.status) query = query.where('status', '=', parsed.status);
  const after = parsed.cursor;
  if (after) {
    const createdAt = cursorTime(after);
    query = query.where((eb) =>
      eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', after.id)])]),
    );
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(parsed.limit + 1)
    .execute();
  const { page, nextCursor } = takePage(rows, parsed.limit);
  return { runs: page, nextCursor };
}
