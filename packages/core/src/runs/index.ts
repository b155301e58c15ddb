// Run creation: customer entry points only. The internal CLI is forbidden to import this
// module (a dependency-cruiser rule checks reachability).
export { createRun, CreateRunInputSchema } from './create-run';
export type { CreatedRun, CreateRunInput } from './create-run';
export { INLINE_RETRY_CAP_MS, runGoal } from './run-goal';
export type { GoalRunResult } from './run-goal';
