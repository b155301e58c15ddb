import { sha256Hex } from '@aos/proof';
import { z } from 'zod';

import { AosError } from '../errors';
import { httpRequest, httpStatusError } from '../skills/http-client';
import { readSetting, requireBaseUrl } from '../skills/skill-env';
import type { SkillRegistry } from '../skills/skill-registry';
import type { SkillEnv, SkillManifestEntry } from '../skills/skill-types';
import { oneLine, PlanGenerationError } from './plan-errors';
import { MAX_PLAN_STEPS, MAX_STEP_ATTEMPTS, type Plan } from './plan-schema';
import { validatePlan } from './plan-validator';

/** Version of the prompt and of the way answers are read; part of every llm plan. */
export const LLM_PLANNER_VERSION = '1.0.0';
/** Deadline of one planning request, connect to last byte. */
export const LLM_PLANNER_TIMEOUT_MS = 60_000;
/** Model asked when AOS_LLM_MODEL is unset (the same default as the llm_invoke skill). */
export const LLM_PLANNER_DEFAULT_MODEL = 'gpt-4o-mini';
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** What the llm planner is asked to plan for. */
export interface LlmPlanRequest {
  readonly goal: string;
  readonly agent?: { readonly name: string; readonly description?: string | null | undefined } | undefined;
  /** The skills offered to the model (normally `registry.manifest()`). */
  readonly manifest: readonly SkillManifestEntry[];
  /** AOS_LLM_BASE_URL, AOS_LLM_API_KEY, AOS_LLM_MODEL and the network policy settings. */
  readonly env: SkillEnv;
}

// Outputs are not part of the manifest; the model needs their shape to write templates.
const OUTPUT_HINTS: Readonly<Record<string, string>> = {
  http_call: '{status, headers, body, truncated} (body is parsed JSON when the answer is JSON)',
  json_transform: '{result} (the mapped object)',
  llm_invoke: '{content, model, finish_reason, usage}',
  echo: '{message}',
};

const chatCompletion = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable().optional() }) })).min(1),
});

/** The system prompt: the plan format, the rules validation applies, and the skill manifest. */
export function buildPlannerPrompt(manifest: readonly SkillManifestEntry[]): string {
  const skills = manifest.map(({ name, description, inputSchema }) => ({
    name,
    description,
    input_schema: inputSchema,
    ...(OUTPUT_HINTS[name] !== undefined ? { output: OUTPUT_HINTS[name] } : {}),
  }));
  return [
    'You plan the work of an agent. Answer with one JSON object and nothing else:',
    '{"steps": [{"step_id": "s1", "skill": "<skill name>", "params": {…}, "depends_on": [], "on_error": "abort",',
    ' "retry_count": 1, "output_key": "<short name>", "description": "<what the step does>"}], "metadata": {}}',
    'Rules:',
    `- 1 to ${MAX_PLAN_STEPS} steps, with step ids s1, s2, s3, … in order.`,
    '- "skill" is one of the skills below; "params" must match its input_schema exactly (no other keys).',
    '- A later step uses an earlier output through a template inside a string param: "{{s1.body}}",',
    '  "{{s2.result.items[0].name}}". A param that is exactly one template receives the value itself;',
    '  inside a longer string the value is inserted as JSON text. Every step used this way must be listed',
    '  in "depends_on", which names earlier steps only.',
    `- "on_error" is "abort" or "continue"; "retry_count" is the number of attempts, 1 to ${MAX_STEP_ATTEMPTS}.`,
    '- Use the fewest steps that achieve the goal. Do not invent skills or URLs the goal does not give.',
    'Skills (JSON):',
    JSON.stringify(skills),
  ].join('\n');
}

/**
 * Asks the OpenAI-compatible endpoint for a plan and returns the candidate, not yet validated.
 * Throws PLAN_GENERATION_FAILED for an unreachable endpoint or an answer that is not a JSON plan.
 */
export async function requestLlmPlanCandidate(request: LlmPlanRequest): Promise<unknown> {
  const { env, goal } = request;
  const baseUrl = readLlmBaseUrl(env);
  const apiKey = readSetting(env, 'AOS_LLM_API_KEY');
  const model = readSetting(env, 'AOS_LLM_MODEL') ?? LLM_PLANNER_DEFAULT_MODEL;
  const user = [
    ...(request.agent
      ? [`Agent: ${request.agent.name}${request.agent.description ? ` — ${request.agent.description}` : ''}`]
      : []),
    `Goal: ${goal}`,
  ].join('\n');
  let response;
  try {
    // The shared HTTP stack, so the network policy applies here too: an LLM on a loopback or
    // private address must be listed in AOS_HTTP_ALLOW_HOSTS, exactly as for llm_invoke.
    response = await httpRequest({
      url: `${baseUrl}/chat/completions`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      },
      body: JSON.stringify({
        model,
        messages: [
          { role: 'system', content: buildPlannerPrompt(request.manifest) },
          { role: 'user', content: user },
        ],
        response_format: { type: 'json_object' },
        temperature: 0,
      }),
      timeoutMs: LLM_PLANNER_TIMEOUT_MS,
      env,
      maxBytes: MAX_ANSWER_BYTES,
      label: 'the LLM planner endpoint',
    });
  } catch (error) {
    throw new PlanGenerationError(`llm planner: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const failure = httpStatusError(response, 'the LLM planner endpoint');
  if (failure) throw new PlanGenerationError(`llm planner: ${failure.message}`, { cause: failure });
  const completion = chatCompletion.safeParse(response.body);
  if (response.bodyKind !== 'json' || !completion.success) {
    throw new PlanGenerationError(
      `llm planner: the endpoint did not answer a chat completion: ${excerpt(response.text)}`,
    );
  }
  const content = completion.data.choices[0]?.message.content ?? '';
  const answer = parseJsonAnswer(content);
  const steps = answer.steps;
  const metadata = isRecord(answer.metadata) ? answer.metadata : {};
  const answeredModel = completion.data.model ?? model;
  // The planner-level fields are ours, never the model's.
  return {
    plan_id: `plan_${sha256Hex(JSON.stringify(['llm', LLM_PLANNER_VERSION, goal, steps, metadata])).slice(0, 32)}`,
    planner: 'llm',
    planner_version: LLM_PLANNER_VERSION,
    goal,
    steps: Array.isArray(steps) ? steps.map(withStepDefaults) : steps,
    metadata: { model: answeredModel, ...(Object.keys(metadata).length > 0 ? { model_metadata: metadata } : {}) },
  };
}

/**
 * A plan from the `llm` planner: the model's steps under planner-level fields set here
 * (plan_id from a hash of the answer, planner `llm`, LLM_PLANNER_VERSION, the goal), then
 * {@link validatePlan} exactly as for the rules planner. Every failure — endpoint unreachable or
 * refused by the network policy, an answer that is not JSON, an invalid plan — is an AosError
 * `PLAN_GENERATION_FAILED` with a one-line reason; AOS_LLM_BASE_URL unset is `CONFIG_INVALID`.
 *
 * @example
 * ```ts
 * const plan = await createLlmPlan({ goal, manifest: registry.manifest(), env: process.env }, registry);
 * ```
 */
export async function createLlmPlan(request: LlmPlanRequest, registry: Pick<SkillRegistry, 'get'>): Promise<Plan> {
  const candidate = await requestLlmPlanCandidate(request);
  try {
    return await validatePlan(candidate, { registry, env: request.env });
  } catch (error) {
    if (error instanceof AosError && error.code === 'PLAN_INVALID')
      throw new PlanGenerationError(error.message, { cause: error });
    throw error;
  }
}

function readLlmBaseUrl(env: SkillEnv): string {
  try {
    return requireBaseUrl(env, 'the llm planner', 'AOS_LLM_BASE_URL');
  } catch (error) {
    throw new AosError('CONFIG_INVALID', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** The JSON object of an answer; models often wrap it in a ``` fence despite being asked not to. */
function parseJsonAnswer(content: string): Record<string, unknown> {
  const trimmed = content.trim();
  const fenced = /^```[A-Za-z]*\s*\n?([\s\S]*?)\n?\s*```$/.exec(trimmed);
  const text = fenced ? (fenced[1] as string) : trimmed;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PlanGenerationError(`llm planner: the answer is not JSON: ${excerpt(text)}`);
  }
  if (!isRecord(value)) throw new PlanGenerationError('llm planner: the answer is not a JSON object');
  if (!Object.hasOwn(value, 'steps')) throw new PlanGenerationError('llm planner: the answer has no "steps"');
  return value;
}

/**
 * Fills the bookkeeping fields a model tends to leave out with the safe values (no
 * dependencies, abort on error, one attempt); a field given with a bad value is still refused.
 */
function withStepDefaults(step: unknown): unknown {
  if (!isRecord(step)) return step;
  return {
    depends_on: [],
    on_error: 'abort',
    retry_count: 1,
    ...(typeof step.step_id === 'string' ? { output_key: step.step_id } : {}),
    description: '',
    ...step,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function excerpt(text: string): string {
  return oneLine(text, 120) || '(empty)';
}
