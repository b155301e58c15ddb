import { AosError } from '../errors';
import { escapeUnstorableText } from '../runner/json-sanitize';

/**
 * A plan that fails validation. The message is one line naming the step and field,
 * e.g. `plan invalid: step s3 (http_call): params.url: forbidden target 10.0.0.1 (private address)`.
 *
 * @example
 * ```ts
 * try { await validatePlan(candidate, { registry, env }) } catch (e) {
 *   if (e instanceof PlanInvalidError) console.error(e.stepId, e.field, e.reason)
 * }
 * ```
 */
export class PlanInvalidError extends AosError {
  /** The message without its `plan invalid: ` prefix. */
  readonly reason: string;
  /** The step at fault, when one is. */
  readonly stepId: string | undefined;
  /** The field at fault (`params.url`, `depends_on`, `steps`), when one is. */
  readonly field: string | undefined;

  constructor(reason: string, options: { stepId?: string; field?: string; cause?: unknown } = {}) {
    super('PLAN_INVALID', `plan invalid: ${reason}`, { cause: options.cause });
    this.name = 'PlanInvalidError';
    this.reason = reason;
    this.stepId = options.stepId;
    this.field = options.field;
  }
}

/** Collapses whitespace so outside text (zod, an LLM, a socket error) keeps a message on one line. */
export function oneLine(text: string, maxLength = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxLength) return flat;
  // Never cut a surrogate pair in two: half of one is a lone surrogate, which jsonb refuses.
  const end = /[\uD800-\uDBFF]/.test(flat.charAt(maxLength - 2)) ? maxLength - 2 : maxLength - 1;
  return `${flat.slice(0, end)}…`;
}

/**
 * Planning failed: the planner could not produce a plan, or its plan is
 * invalid. The message is the one-line reason; the run service stores it as
 * `plan_generation_failed: <message>`, so NUL characters and lone surrogates in it (quoted from a
 * goal or an LLM answer) are written as `\uXXXX` escapes: the run's `error_message` must be
 * storable. An invalid plan's {@link PlanInvalidError} is the `cause`.
 *
 * @example
 * ```ts
 * catch (e) { if (isAosError(e, 'PLAN_GENERATION_FAILED')) errorMessage = `plan_generation_failed: ${e.message}` }
 * ```
 */
export class PlanGenerationError extends AosError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('PLAN_GENERATION_FAILED', oneLine(escapeUnstorableText(reason)), options);
    this.name = 'PlanGenerationError';
  }
}
