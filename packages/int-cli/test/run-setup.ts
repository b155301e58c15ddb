import { createAgent, createSkillRegistry, executeRunAttempt, loadDeploymentSigningKey } from '@aos/core/testing';
import { createRun, runGoal } from '@aos/core/runs';
import { computePlanHash } from '@aos/proof';
import type { TestDatabase } from '@aos/testkit';
import { query } from './cli-harness';

/**
 * Test setup (tests may create runs; int-cli may not): runs each goal to completion through
 * core's customer path, sealed with the deployment key of the test's AOS_HOME (recorded in its
 * key set, as every sealer does). Returns run ids.
 */
export function createSealedRuns(t: TestDatabase, tenantId: string, goals: readonly string[]): Promise<string[]> {
  return query(t, async (db) => {
    const signingKey = await loadDeploymentSigningKey(t.env);
    const agent = await createAgent(db, { name: 'int-cli-test', tenantId });
    const ids: string[] = [];
    for (const goal of goals) {
      const { run } = await runGoal(
        db,
        { tenantId, agentId: agent.id, goal },
        { registry: createSkillRegistry(), env: {}, signingKey },
      );
      if (run.status !== 'succeeded')
        throw new Error(`setup run ${run.id} ended ${run.status}: ${run.error_message ?? ''}`);
      ids.push(run.id);
    }
    return ids;
  });
}

/**
 * Test setup: a run whose first attempt failed retryably, so it waits for a retry with its
 * trace open (one step appended, not sealed) — the state a crash or a lost worker leaves.
 */
export function createOpenTrace(t: TestDatabase, tenantId: string): Promise<string> {
  return query(t, async (db) => {
    const agent = await createAgent(db, { name: 'int-cli-open', tenantId });
    const goal = 'fails once, retryably';
    const { run } = await createRun(db, { tenantId, agentId: agent.id, goal });
    const plan = {
      plan_id: `plan_open_${run.id.slice(0, 8)}`,
      planner: 'rules',
      planner_version: 'test',
      goal,
      steps: [
        {
          step_id: 's1',
          skill: '__sdsr_fail_trigger__',
          params: { error_class: 'retryable' },
          depends_on: [],
          on_error: 'abort',
          retry_count: 1,
          output_key: 'fault',
          description: 'fails retryably',
        },
      ],
      metadata: {},
    };
    await db
      .updateTable('runs')
      .set({ plan_json: JSON.stringify(plan), plan_hash: computePlanHash(plan) })
      .where('id', '=', run.id)
      .execute();
    const signingKey = await loadDeploymentSigningKey(t.env);
    const { run: after } = await executeRunAttempt(db, run.id, {
      registry: createSkillRegistry(),
      env: {},
      signingKey,
    });
    if (after.status !== 'retry') throw new Error(`setup run ${run.id} ended ${after.status}, not retry`);
    return run.id;
  });
}
