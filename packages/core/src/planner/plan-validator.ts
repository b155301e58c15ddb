import type { z } from 'zod';

import { AosError } from '../errors';
import { findUnstorableText } from '../runner/json-sanitize';
import { assertUrlAllowed } from '../skills/network-policy';
import type { SkillRegistry } from '../skills/skill-registry';
import { SkillError, type AnySkill, type SkillEnv } from '../skills/skill-types';
import { checkLiteralCredentials } from './literal-credentials';
import { oneLine, PlanInvalidError } from './plan-errors';
import { PlanSchema, type Plan, type PlanStep } from './plan-schema';
import { findTemplateReferences, formatFieldPath, type JsonPath, type TemplateReference } from './plan-templates';

/** What validation needs: the registry to look skills up in, and the configuration of the network policy. */
export interface ValidatePlanOptions {
  readonly registry: Pick<SkillRegistry, 'get'>;
  readonly env: SkillEnv;
}

/**
 * Params holding the URL a skill sends a request to, checked against the network policy at
 * planning time. Other skills reach endpoints configured by the operator (AOS_LLM_BASE_URL, …),
 * not named by the plan.
 */
export const HTTP_TARGET_PARAMS: Readonly<Record<string, readonly string[]>> = {
  http_call: ['url'],
  webhook_send: ['url'],
  slack_send: ['webhook_url'],
};

/**
 * Validates a candidate plan (from any planner) and returns it typed. Checks, in order: the shape
 * (strict zod schema, 1..25 steps), that Postgres can store every string and object key of it (no
 * NUL character, no lone surrogate: a plan the database refuses would leave the run without
 * one), then for each step: unique step id, no literal credential in its params (credentials
 * are `{{secrets.NAME}}` references, docs/skills.md), registered skill,
 * `depends_on` naming earlier steps only (a self, forward or cyclic dependency is reported as
 * such), templates naming a step listed in `depends_on`, params valid against the skill's input
 * schema; last, the network policy for http targets given literally in params.
 *
 * A field holding a template cannot be type-checked before the step it references has run: the
 * schema's complaints about such a field (or below it) are ignored, everything else in the params
 * is checked; the runner validates the resolved input again. A templated URL is likewise checked
 * against the network policy when the step executes.
 *
 * Throws a {@link PlanInvalidError} (code `PLAN_INVALID`) with a one-line reason. The plan is
 * returned as parsed by the plan schema, skill defaults not filled in, so `plan_hash` covers what
 * the planner wrote (zod drops `__proto__` keys, which therefore never reach a step).
 *
 * @example
 * ```ts
 * const plan = await validatePlan(JSON.parse(text), { registry: createSkillRegistry(), env: process.env });
 * ```
 */
export async function validatePlan(candidate: unknown, options: ValidatePlanOptions): Promise<Plan> {
  const parsed = PlanSchema.safeParse(candidate);
  if (!parsed.success) throw shapeError(candidate, parsed.error.issues);
  const plan = parsed.data;
  checkStorable(plan);

  const positions = new Map<string, number>();
  plan.steps.forEach((step, index) => {
    if (positions.has(step.step_id)) {
      throw stepError(
        step,
        'step_id',
        `duplicate step id ${step.step_id} (also steps[${positions.get(step.step_id)}])`,
      );
    }
    positions.set(step.step_id, index);
  });

  for (const [index, step] of plan.steps.entries()) {
    checkLiteralCredentials(step);
    const skill = options.registry.get(step.skill);
    if (skill === undefined) {
      throw new PlanInvalidError(`step ${step.step_id}: skill: "${step.skill}" is not a registered skill`, {
        stepId: step.step_id,
        field: 'skill',
      });
    }
    checkDependencies(plan.steps, index, positions);
    const references = checkTemplates(step, index, positions);
    await checkParams(step, skill, references);
  }

  for (const step of plan.steps) await checkHttpTargets(step, options.env);
  return plan;
}

function stepError(step: PlanStep, field: string, problem: string, cause?: unknown): PlanInvalidError {
  return new PlanInvalidError(`step ${step.step_id} (${step.skill}): ${field}: ${problem}`, {
    stepId: step.step_id,
    field,
    cause,
  });
}

/**
 * Refuses a plan holding a string or an object key that `plan_json` (jsonb) cannot store, naming
 * where it is, e.g. `step s1 (json_transform): params.payload["k\u0000"]: the key contains a NUL
 * character (\u0000), which Postgres cannot store`.
 */
function checkStorable(plan: Plan): void {
  const found = findUnstorableText(plan);
  if (found === undefined) return;
  const what = `${found.inKey ? 'the key' : 'the text'} contains ${found.problem}, which Postgres cannot store`;
  const [top, index, ...rest] = found.path;
  const step = top === 'steps' && typeof index === 'number' ? plan.steps[index] : undefined;
  if (step !== undefined && rest.length > 0) {
    throw stepError(step, formatFieldPath(rest), what);
  }
  const field = formatFieldPath(found.path);
  throw new PlanInvalidError(`${field}: ${what}`, { field });
}

/** Names the step (by its id when it has a usable one) rather than an index in the first zod issue. */
function shapeError(candidate: unknown, issues: readonly z.core.$ZodIssue[]): PlanInvalidError {
  const issue = issues[0];
  if (issue === undefined) return new PlanInvalidError('not a plan');
  const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
  const message = oneLine(issue.message);
  if (path[0] === 'steps' && typeof path[1] === 'number' && path.length > 2) {
    const raw: unknown = (candidate as { steps: unknown[] }).steps[path[1]];
    const stepId = (raw as { step_id?: unknown }).step_id;
    const skill = (raw as { skill?: unknown }).skill;
    const field = formatFieldPath(path.slice(2));
    if (typeof stepId === 'string' && stepId !== '' && field !== 'step_id') {
      const label = typeof skill === 'string' && skill !== '' ? `step ${stepId} (${skill})` : `step ${stepId}`;
      return new PlanInvalidError(`${label}: ${field}: ${message}`, { stepId, field });
    }
    return new PlanInvalidError(`steps[${path[1]}].${field}: ${message}`, { field });
  }
  if (path.length === 0) return new PlanInvalidError(message);
  const field = formatFieldPath(path);
  return new PlanInvalidError(`${field}: ${message}`, { field });
}

/** Every dependency must be an earlier step; that alone rules cycles out, but a cycle is named as one. */
function checkDependencies(steps: readonly PlanStep[], index: number, positions: ReadonlyMap<string, number>): void {
  const step = steps[index] as PlanStep;
  for (const dependency of step.depends_on) {
    const at = positions.get(dependency);
    if (at === undefined) throw stepError(step, 'depends_on', `unknown step ${dependency}`);
    if (at === index) throw stepError(step, 'depends_on', `${dependency} depends on itself (cycle)`);
    if (at > index) {
      const cycle = findCycle(steps, positions, step.step_id, dependency);
      throw stepError(
        step,
        'depends_on',
        cycle === undefined
          ? `${dependency} is not an earlier step (forward reference)`
          : `cycle ${[step.step_id, ...cycle].join(' → ')}`,
      );
    }
  }
}

/** A dependency path from `from` back to `target`, if there is one (depth-first, each step once). */
function findCycle(
  steps: readonly PlanStep[],
  positions: ReadonlyMap<string, number>,
  target: string,
  from: string,
): string[] | undefined {
  const seen = new Set<string>();
  const walk = (id: string): string[] | undefined => {
    if (id === target) return [id];
    if (seen.has(id)) return undefined;
    seen.add(id);
    const at = positions.get(id);
    for (const next of at === undefined ? [] : (steps[at] as PlanStep).depends_on) {
      const rest = walk(next);
      if (rest !== undefined) return [id, ...rest];
    }
    return undefined;
  };
  return walk(from);
}

/**
 * A template may only use the output of a step listed in the step's own `depends_on` (hence an
 * earlier one): the dependency is then explicit, and the runner knows which outputs a step needs.
 */
function checkTemplates(step: PlanStep, index: number, positions: ReadonlyMap<string, number>): TemplateReference[] {
  let references: TemplateReference[];
  try {
    references = findTemplateReferences(step.params);
  } catch (error) {
    if (!(error instanceof AosError)) throw error;
    throw new PlanInvalidError(`step ${step.step_id} (${step.skill}): ${error.message}`, {
      stepId: step.step_id,
      cause: error,
    });
  }
  for (const reference of references) {
    const field = paramsField(reference.fieldPath);
    const at = positions.get(reference.stepId);
    const problem =
      at === undefined
        ? `refers to unknown step ${reference.stepId}`
        : at >= index
          ? `refers to ${reference.stepId}, which is not an earlier step`
          : !step.depends_on.includes(reference.stepId)
            ? `refers to ${reference.stepId}, which is not in depends_on`
            : undefined;
    if (problem !== undefined) throw stepError(step, field, `template ${reference.template} ${problem}`);
  }
  return references;
}

function paramsField(path: JsonPath): string {
  const rest = formatFieldPath(path);
  if (rest === '') return 'params';
  return rest.startsWith('[') ? `params${rest}` : `params.${rest}`;
}

function isUnder(path: JsonPath, prefix: JsonPath): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => String(key) === String(path[i]));
}

/**
 * True when the issue is about a templated field (or something below it), or is a union whose
 * failure one of its branches explains that way: the value there is unknown until execution.
 */
function isExplainedByTemplates(issue: z.core.$ZodIssue, base: JsonPath, templated: readonly JsonPath[]): boolean {
  const path = [...base, ...issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key))];
  if (templated.some((field) => isUnder(path, field))) return true;
  if (issue.code === 'invalid_union') {
    return issue.errors.some((branch) => branch.every((inner) => isExplainedByTemplates(inner, path, templated)));
  }
  return false;
}

async function checkParams(step: PlanStep, skill: AnySkill, references: readonly TemplateReference[]): Promise<void> {
  let result: z.ZodSafeParseResult<unknown>;
  try {
    result = await skill.inputSchema.safeParseAsync(step.params);
  } catch (error) {
    // A transform that throws instead of reporting an issue.
    throw stepError(step, 'params', oneLine(error instanceof Error ? error.message : String(error)), error);
  }
  if (result.success) return;
  const templated = references.map((reference) => reference.fieldPath);
  const issue = result.error.issues.find((candidate) => !isExplainedByTemplates(candidate, [], templated));
  if (issue === undefined) return;
  const path = issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key));
  throw stepError(step, paramsField(path), oneLine(issue.message));
}

async function checkHttpTargets(step: PlanStep, env: SkillEnv): Promise<void> {
  for (const name of HTTP_TARGET_PARAMS[step.skill] ?? []) {
    const url = step.params[name];
    if (typeof url !== 'string' || findTemplateReferences(url).length > 0) continue;
    try {
      await assertUrlAllowed(url, env);
    } catch (error) {
      // Only a refusal by the policy makes the plan invalid; a DNS outage is a failure of the
      // step when it runs, recorded in the trace like any other.
      if (error instanceof SkillError && (error.category === 'policy' || error.category === 'validation')) {
        throw stepError(step, `params.${name}`, oneLine(error.message), error);
      }
      if (!(error instanceof SkillError)) throw error;
    }
  }
}
