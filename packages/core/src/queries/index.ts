export { getRun, listRuns, ListRunsInputSchema } from './run-queries';
export type { RunDetails, RunPage } from './run-queries';
