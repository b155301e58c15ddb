// The closed sets a run proof is made of. Core's schema types and the SQL CHECK constraints in
// migrations/ use these same lists; packages/core/test/schema-vocabulary.test.ts holds the SQL to them.

/**
 * Run statuses, as `runs.status` stores them; a bundle's run carries one.
 *
 * @example
 * ```ts
 * RUN_STATUSES.includes('halted'); // true
 * ```
 */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'retry', 'halted'] as const;
/** One of {@link RUN_STATUSES}. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Trace statuses: a trace is `completed` once sealed.
 *
 * @example
 * ```ts
 * TRACE_STATUSES.includes('aborted'); // true
 * ```
 */
export const TRACE_STATUSES = ['running', 'completed', 'failed', 'aborted'] as const;
/** One of {@link TRACE_STATUSES}. */
export type TraceStatus = (typeof TRACE_STATUSES)[number];

/**
 * Step statuses: `started` is the row written before a skill runs, the others its outcome.
 *
 * @example
 * ```ts
 * STEP_STATUSES.includes('skipped'); // true
 * ```
 */
export const STEP_STATUSES = ['started', 'success', 'failure', 'skipped'] as const;
/** One of {@link STEP_STATUSES}. */
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * What a replay does with a step.
 *
 * @example
 * ```ts
 * REPLAY_BEHAVIORS.includes('check'); // true
 * ```
 */
export const REPLAY_BEHAVIORS = ['execute', 'skip', 'check'] as const;
/** One of {@link REPLAY_BEHAVIORS}. */
export type ReplayBehavior = (typeof REPLAY_BEHAVIORS)[number];

/**
 * A UUID in canonical lowercase text form, the form every AOS id is stored and printed in.
 *
 * @example
 * ```ts
 * UUID_PATTERN.test('0b8e6c1e-5f1a-4c3e-9d3a-1f2e3d4c5b6a'); // true
 * ```
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
