export { getRun, listRuns, ListRunsInputSchema } from './run-queries';
export type { RunDetails } from './run-queries';
