import { computePlanHash } from '@aos/proof';
import type { Database, Run } from '@aos/core/testing';
import type { Kysely } from 'kysely';

/** A plan step with the defaults the tests don't care about (each step depends on the one before). */
export function planStep(
  id: number,
  skill: string,
  params: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    step_id: `s${id}`,
    skill,
    params,
    depends_on: id > 1 ? [`s${id - 1}`] : [],
    on_error: 'abort',
    retry_count: 1,
    output_key: `out${id}`,
    description: `step ${id}`,
    ...extra,
  };
}

/** One step of {@link planStep}. */
export type TestPlanStep = ReturnType<typeof planStep>;

/**
 * Stores `steps` as the plan of a run that has none yet (the runner then executes that plan
 * instead of planning the goal): the way tests get multi-step plans the rules planner would not
 * produce. Returns the run row.
 */
export async function storeTestPlan(db: Kysely<Database>, runId: string, steps: readonly TestPlanStep[]): Promise<Run> {
  // The plan is of the run's own goal: the sealer checks that it is.
  const { goal } = await db.selectFrom('runs').select('goal').where('id', '=', runId).executeTakeFirstOrThrow();
  const plan = {
    plan_id: `plan_test_${runId.slice(0, 8)}`,
    planner: 'rules',
    planner_version: 'test',
    goal,
    steps,
    metadata: {},
  };
  return db
    .updateTable('runs')
    .set({ plan_json: JSON.stringify(plan), plan_hash: computePlanHash(plan) })
    .where('id', '=', runId)
    .returningAll()
    .executeTakeFirstOrThrow();
}
