import { createAgent, createSkillRegistry, loadDeploymentSigningKey } from '@aos/core';
import { runGoal } from '@aos/core/runs';
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
