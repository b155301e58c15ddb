import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { AosError, type AosErrorCode } from '../errors';
import type { Database, JsonValue } from '../db/schema';

/** Configuration a skill reads (AOS_HTTP_ALLOW_HOSTS, AOS_LLM_BASE_URL, …); never process.env directly. */
export type SkillEnv = Readonly<Record<string, string | undefined>>;

/** Everything a skill may use while it executes one attempt. */
export interface SkillContext {
  readonly tenantId: string;
  readonly runId: string;
  readonly agentId: string;
  /** 1 for the first attempt of a plan step, 2 for its first retry, … */
  readonly attempt: number;
  /** The AOS store (only kv_store uses it). */
  readonly db: Kysely<Database>;
  readonly env: SkillEnv;
  /** Aborted when the per-attempt timeout expires. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /**
   * Cents the runner reserved for this attempt under the quota lock (README, "Budgets"). A skill that can
   * bound what it spends (llm_invoke's `max_tokens`) keeps within it. Undefined when nothing was
   * reserved or outside the runner; the skill then bounds itself by its own estimate.
   */
  readonly reservedCents?: number | undefined;
}

/** What one successful attempt produced. */
export interface SkillResult {
  /** Stored as the trace step's outcome_data and referenced by later steps as `{{sN.…}}`. */
  readonly output: { [key: string]: JsonValue };
  readonly costCents: number;
  readonly tokens?: number | undefined;
  readonly model?: string | undefined;
  /** Short machine code of the outcome, e.g. `HTTP_200`, `SENT`, `OK`. */
  readonly outcomeCode: string;
}

/** Why an attempt failed; stored as the trace step's outcome_category. */
export const SKILL_ERROR_CATEGORIES = [
  'network',
  'timeout',
  'http_client_error',
  'http_server_error',
  'not_configured',
  'policy',
  'validation',
  'backend',
  'injected',
] as const;
export type SkillErrorCategory = (typeof SKILL_ERROR_CATEGORIES)[number];

// A refused destination keeps the code the rest of AOS already knows for it.
const SKILL_ERROR_CODES: Partial<Record<SkillErrorCategory, AosErrorCode>> = {
  not_configured: 'SKILL_NOT_CONFIGURED',
  policy: 'NETWORK_POLICY_DENIED',
};

/**
 * A failed attempt. `retryable` tells the runner whether another attempt may succeed
 * (5xx, connection errors, timeouts); everything else fails the step at once.
 */
export class SkillError extends AosError {
  readonly category: SkillErrorCategory;
  readonly retryable: boolean;
  readonly outcomeCode: string;
  /** Output worth keeping even though the attempt failed (e.g. an HTTP 404 status and body excerpt). */
  readonly output: { [key: string]: JsonValue } | undefined;
  readonly costCents: number;

  constructor(
    category: SkillErrorCategory,
    message: string,
    options: {
      retryable: boolean;
      outcomeCode: string;
      output?: { [key: string]: JsonValue };
      costCents?: number;
      cause?: unknown;
    },
  ) {
    super(SKILL_ERROR_CODES[category] ?? 'SKILL_FAILED', message, { cause: options.cause });
    this.name = 'SkillError';
    this.category = category;
    this.retryable = options.retryable;
    this.outcomeCode = options.outcomeCode;
    this.output = options.output;
    this.costCents = options.costCents ?? 0;
  }
}

/** A registered skill: its contract and its implementation. */
export interface SkillDefinition<Input = unknown> {
  readonly name: string;
  /** Semver. */
  readonly version: string;
  readonly description: string;
  readonly inputSchema: z.ZodType<Input>;
  readonly deterministic: boolean;
  readonly sideEffects: boolean;
  readonly network: boolean;
  /**
   * Cents this input is expected to cost; the budget is checked against it before the step runs.
   * `env` (the SkillContext env) lets a price setting such as AOS_LLM_PRICE_CENTS_PER_1K_TOKENS
   * count; without it the documented default price is used.
   */
  estimateCostCents(input: Input, env?: SkillEnv): number;
  /** Per-attempt timeout unless the plan step says otherwise. */
  readonly defaultTimeoutMs: number;
  execute(input: Input, context: SkillContext): Promise<SkillResult>;
}

/** Any skill, whatever its input type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySkill = SkillDefinition<any>;

/** One skill as listed in the manifest (what planners and `list-skills` see). */
export interface SkillManifestEntry {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly deterministic: boolean;
  readonly sideEffects: boolean;
  readonly network: boolean;
  /** JSON Schema of the input (zod's toJSONSchema). */
  readonly inputSchema: Record<string, unknown>;
}

/** A manifest entry as the facades and `list-skills` show it (the wire's snake_case names). */
export interface SkillListing {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly deterministic: boolean;
  readonly side_effects: boolean;
  readonly network: boolean;
  /** JSON Schema of the skill's input. */
  readonly input_schema: Record<string, unknown>;
}

/** The one mapping from a manifest entry to its listing (customer and operator facades, `list-skills`). */
export function skillListing(entry: SkillManifestEntry): SkillListing {
  return {
    name: entry.name,
    version: entry.version,
    description: entry.description,
    deterministic: entry.deterministic,
    side_effects: entry.sideEffects,
    network: entry.network,
    input_schema: entry.inputSchema,
  };
}

/** Helper that keeps the input type of a skill definition. */
export function defineSkill<Input>(definition: SkillDefinition<Input>): SkillDefinition<Input> {
  return definition;
}
