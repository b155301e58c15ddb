import { computePlanHash } from '@aos/proof';

import { AosError } from '../errors';
import { readSetting } from '../skills/skill-env';
import type { SkillRegistry } from '../skills/skill-registry';
import type { SkillEnv, SkillManifestEntry } from '../skills/skill-types';
import { PlanGenerationError } from './plan-errors';
import { PLANNER_KINDS, type Plan, type PlannerKind } from './plan-schema';
import { requestLlmPlanCandidate } from './llm-planner';
import { validatePlan } from './plan-validator';
import { createRulesPlan } from './rules-planner';

/** Everything planning a run needs. */
export interface GeneratePlanInput {
  /** The run's tenant; not sent to an LLM. */
  readonly tenantId: string;
  readonly agent: { readonly id: string; readonly name: string; readonly description?: string | null | undefined };
  readonly goal: string;
  /** Skills offered to the llm planner; `registry.manifest()` when absent. */
  readonly manifest?: readonly SkillManifestEntry[] | undefined;
  readonly registry: Pick<SkillRegistry, 'get' | 'manifest'>;
  /** AOS_PLANNER, the AOS_LLM_* settings and the network policy settings. */
  readonly env: SkillEnv;
}

/** A validated plan and its `plan_hash` (SHA-256 of its RFC 8785 canonical JSON). */
export interface GeneratedPlan {
  readonly plan: Plan;
  readonly planHash: string;
}

/**
 * The planner `env.AOS_PLANNER` names: `rules` (the default when unset) or `llm`. Anything else
 * is an AosError `CONFIG_INVALID`: a deployment mistake, not a fault of the run's goal.
 *
 * @example
 * ```ts
 * selectPlanner({ AOS_PLANNER: 'llm' }); // 'llm'
 * ```
 */
export function selectPlanner(env: SkillEnv): PlannerKind {
  const configured = readSetting(env, 'AOS_PLANNER') ?? 'rules';
  if (!(PLANNER_KINDS as readonly string[]).includes(configured)) {
    throw new AosError('CONFIG_INVALID', `AOS_PLANNER must be one of ${PLANNER_KINDS.join(', ')}, got "${configured}"`);
  }
  return configured as PlannerKind;
}

/**
 * Checks the planner settings before a run is created, so a deployment mistake is a usage error
 * with nothing written rather than a failed run: AOS_PLANNER must be one of {@link PLANNER_KINDS}
 * and, for `llm`, AOS_LLM_BASE_URL an http(s) URL. Throws AosError `CONFIG_INVALID`.
 *
 * @example
 * ```ts
 * checkPlannerSettings({ AOS_PLANNER: 'gpt' }); // throws: AOS_PLANNER must be one of rules, llm, got "gpt"
 * ```
 */
export function checkPlannerSettings(env: SkillEnv): void {
  if (selectPlanner(env) !== 'llm') return;
  const raw = readSetting(env, 'AOS_LLM_BASE_URL');
  const url = raw === undefined ? null : URL.parse(raw);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    const got = raw === undefined ? 'it is not set' : `got "${raw}"`;
    throw new AosError(
      'CONFIG_INVALID',
      `AOS_PLANNER=llm needs AOS_LLM_BASE_URL, an http(s) URL of an OpenAI-compatible API (${got}); or set AOS_PLANNER to rules`,
    );
  }
}

/**
 * Plans a run: the planner chosen by {@link selectPlanner} proposes a plan,
 * {@link validatePlan} checks it — whichever planner wrote it — and `planHash` is computed with
 * `computePlanHash` of `@aos/proof`. Every planning failure is an AosError
 * `PLAN_GENERATION_FAILED` whose message is the one-line reason (an invalid plan keeps its
 * `plan invalid: step s3 (http_call): params.url: …` text), for the run's
 * `plan_generation_failed: <reason>`. Configuration errors (AOS_PLANNER, AOS_LLM_BASE_URL) stay
 * `CONFIG_INVALID`.
 *
 * @example
 * ```ts
 * const { plan, planHash } = await generatePlanForRun({
 *   tenantId: 'acme', agent, goal: 'fetch https://api.example.com/items',
 *   registry: createSkillRegistry(), env: process.env,
 * });
 * ```
 */
export async function generatePlanForRun(input: GeneratePlanInput): Promise<GeneratedPlan> {
  const planner = selectPlanner(input.env);
  try {
    const candidate =
      planner === 'rules'
        ? createRulesPlan(input.goal)
        : await requestLlmPlanCandidate({
            goal: input.goal,
            agent: input.agent,
            manifest: input.manifest ?? input.registry.manifest(),
            env: input.env,
          });
    const plan = await validatePlan(candidate, { registry: input.registry, env: input.env });
    return { plan, planHash: computePlanHash(plan) };
  } catch (error) {
    if (error instanceof AosError && (error.code === 'PLAN_GENERATION_FAILED' || error.code === 'CONFIG_INVALID')) {
      throw error;
    }
    throw new PlanGenerationError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
