import { generateSigningKey, type SigningKey } from '@aos/proof';
import type { Kysely } from 'kysely';
import {
  createAgent,
  createSkillRegistry,
  drainTenantLog,
  type Database,
  type Run,
  type RunEvent,
  type RunnerDeps,
} from '@aos/core/testing';
import { createRun } from '@aos/core/runs';
import { planStep, storeTestPlan, type TestPlanStep } from '@aos/testkit';

/** One signing key for the whole test file (generation is cheap, but keep it stable per file). */
export const TEST_SIGNING_KEY: SigningKey = generateSigningKey('test.aos.local');

/** Runner dependencies for tests: real registry, given env, fast step retries, events collected. */
export function testDeps(env: Record<string, string | undefined> = {}): RunnerDeps & { events: RunEvent[] } {
  const events: RunEvent[] = [];
  return {
    registry: createSkillRegistry(),
    env,
    signingKey: TEST_SIGNING_KEY,
    onEvent: (e) => events.push(e),
    stepRetryDelayMs: () => 10,
    // As local mode does: every seal joins its tenant's log at once.
    afterSeal: (db, tenantId) =>
      drainTenantLog(db, tenantId, { signingKey: TEST_SIGNING_KEY, trustedKeys: [TEST_SIGNING_KEY.verifierKey] }),
    events,
  };
}

export { planStep };

/**
 * Creates an agent and a queued run whose plan is stored up front (the runner then executes
 * that plan instead of planning the goal): the way tests get multi-step plans the rules
 * planner would not produce.
 */
export async function createPlannedRun(
  db: Kysely<Database>,
  options: { tenantId: string; steps: TestPlanStep[]; maxAttempts?: number; agentId?: string },
): Promise<Run> {
  const agentId = options.agentId ?? (await createAgent(db, { name: 'runner-test', tenantId: options.tenantId })).id;
  const { run } = await createRun(db, {
    tenantId: options.tenantId,
    agentId,
    goal: 'test plan',
    maxAttempts: options.maxAttempts ?? 1,
  });
  return storeTestPlan(db, run.id, options.steps);
}

/** The message a refused call throws (`'no error'` when it was not refused). */
export async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}
