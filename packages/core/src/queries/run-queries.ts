import type { Kysely } from 'kysely';
import { z } from 'zod';
import { RUN_STATUSES, type Database, type Run, type TraceStep } from '../db/schema';
import { AosError } from '../errors';
import { parseInput, tenantIdSchema, uuidSchema } from '../validation';

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
      return { run, trace: trace ?? null, steps };
    });
}

/** Filters of {@link listRuns}. */
export const ListRunsInputSchema = z
  .object({
    tenantId: tenantIdSchema,
    status: z.enum(RUN_STATUSES).optional(),
    limit: z.number().int().min(1).max(1000).default(20),
  })
  .strict();

/**
 * Lists a tenant's runs, newest first.
 *
 * @example
 * ```ts
 * const failed = await listRuns(db, { tenantId: 'acme', status: 'failed', limit: 10 })
 * ```
 */
export async function listRuns(db: Kysely<Database>, input: z.input<typeof ListRunsInputSchema>): Promise<Run[]> {
  const parsed = parseInput(ListRunsInputSchema, input, 'list_runs');
  let query = db.selectFrom('runs').selectAll().where('tenant_id', '=', parsed.tenantId);
  if (parsed.status) query = query.where('status', '=', parsed.status);
  return query.orderBy('created_at', 'desc').orderBy('id').limit(parsed.limit).execute();
}
