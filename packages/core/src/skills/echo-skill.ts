import { MAX_GOAL_BYTES } from '../validation';
import { boundedString, strictParams } from './skill-schema';
import { defineSkill } from './skill-types';

// As long as the longest goal: the rules planner echoes a goal no rule matched.
const echoInput = strictParams({ message: boundedString(MAX_GOAL_BYTES, { allowEmpty: true }) });

/**
 * `echo`: returns its `message` unchanged. Deterministic, free, offline — the fallback step of
 * the rules planner, so every goal has a runnable plan.
 *
 * @example
 * ```ts
 * await echoSkill.execute({ message: 'hi' }, ctx) // { output: { message: 'hi' }, costCents: 0, outcomeCode: 'OK' }
 * ```
 */
export const echoSkill = defineSkill({
  name: 'echo',
  version: '1.0.0',
  description: 'Returns its message unchanged (deterministic, offline, free).',
  inputSchema: echoInput,
  deterministic: true,
  sideEffects: false,
  network: false,
  defaultTimeoutMs: 5_000,
  estimateCostCents: () => 0,
  execute: (input) => Promise.resolve({ output: { message: input.message }, costCents: 0, outcomeCode: 'OK' }),
});
