// Run creation: customer entry points only. The internal CLI is forbidden to import this
// module (a dependency-cruiser rule checks reachability).
export { createRun, CreateRunInputSchema } from './create-run';
export { runGoal } from './run-goal';
