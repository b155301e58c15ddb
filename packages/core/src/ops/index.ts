// Operator capabilities (int-cli): none of them creates a run.
export { recordAndReadCostEvent } from './cost-readback';
export type { CostReadback } from './cost-readback';
export { countTraces } from './trace-counts';
export type { TraceCounts } from './trace-counts';
export { DEFAULT_QUEUED_GRACE_MS, listDueRuns, recordRunExecutionError } from './due-runs';
export type { DueRun, RecordedRunError } from './due-runs';
