import { z } from 'zod';

import type { JsonValue } from '../db/schema';

/** The planners AOS ships: `rules` (default, offline) and `llm` (an OpenAI-compatible endpoint). */
export const PLANNER_KINDS = ['rules', 'llm'] as const;
export type PlannerKind = (typeof PLANNER_KINDS)[number];

/** What the runner does when a step has exhausted its attempts or failed non-retryably. */
export const STEP_ON_ERROR_ACTIONS = ['abort', 'continue'] as const;
export type StepOnErrorAction = (typeof STEP_ON_ERROR_ACTIONS)[number];

/** A plan has 1..25 steps. */
export const MAX_PLAN_STEPS = 25;
/** Upper bound of `retry_count` (attempts per step), so one step cannot retry for ever. */
export const MAX_STEP_ATTEMPTS = 10;
/** Upper bound of a step's `timeout_ms` (10 minutes). */
export const MAX_STEP_TIMEOUT_MS = 600_000;
/** `s1`, `s2`, … — no leading zero, so every step id has exactly one spelling. */
export const STEP_ID_PATTERN = /^s[1-9][0-9]*$/;

const jsonObject = z.record(z.string(), z.json()) as unknown as z.ZodType<{ [key: string]: JsonValue }>;

/**
 * One step of a plan: a call of one registered skill.
 *
 * `retry_count` is the **maximum number of attempts** of the step, first attempt included
 * (1 = never retried, 3 = up to two retries). Only retryable failures (5xx, connection errors,
 * timeouts) use further attempts. Each attempt is its own trace step, whose own `retry_count`
 * column is the attempt number − 1.
 *
 * @example
 * ```ts
 * const step = PlanStepSchema.parse({
 *   step_id: 's1', skill: 'echo', params: { message: 'hi' }, depends_on: [],
 *   on_error: 'abort', retry_count: 1, output_key: 'message', description: 'Say hi',
 * });
 * ```
 */
export const PlanStepSchema = z.strictObject({
  step_id: z.string().regex(STEP_ID_PATTERN, 'must look like s1, s2, …'),
  skill: z.string().min(1),
  /** The skill's input; string values may hold `{{sN.path}}` templates (see plan-templates.ts). */
  params: jsonObject,
  /** Earlier steps this one needs: every step whose output its templates use must be listed. */
  depends_on: z.array(z.string()),
  on_error: z.enum(STEP_ON_ERROR_ACTIONS),
  retry_count: z.number().int().min(1).max(MAX_STEP_ATTEMPTS),
  /** A readable name for the step's output (shown in traces); templates address outputs by step id. */
  output_key: z.string().min(1),
  description: z.string(),
  /** Per-attempt timeout; the skill's default applies when absent. */
  timeout_ms: z.number().int().min(1).max(MAX_STEP_TIMEOUT_MS).optional(),
});

/**
 * A plan as stored in `runs.plan_json` and hashed into `plan_hash`. Strict: an unknown
 * field anywhere is an error, so what is hashed is exactly what was validated.
 *
 * @example
 * ```ts
 * const result = PlanSchema.safeParse(JSON.parse(text));
 * if (!result.success) console.error(result.error.issues[0]?.message);
 * ```
 */
export const PlanSchema = z.strictObject({
  plan_id: z.string().min(1),
  planner: z.enum(PLANNER_KINDS),
  planner_version: z.string().min(1),
  goal: z.string().min(1),
  steps: z
    .array(PlanStepSchema)
    .min(1, 'a plan needs at least 1 step')
    .max(MAX_PLAN_STEPS, {
      error: (issue) =>
        `a plan has at most ${MAX_PLAN_STEPS} steps, got ${Array.isArray(issue.input) ? issue.input.length : '?'}`,
    }),
  /** Planner-specific notes (for `rules`: which rule matched). */
  metadata: jsonObject,
});

/** A validated plan. */
export type Plan = z.infer<typeof PlanSchema>;
/** One step of a validated plan. */
export type PlanStep = z.infer<typeof PlanStepSchema>;
