// Operator capabilities (int-cli): none of them creates a run.
export { recordAndReadCostEvent } from './cost-readback';
export type { CostReadback } from './cost-readback';
export { countTraces } from './trace-counts';
export type { TraceCounts } from './trace-counts';
export { recordRunExecutionError } from './run-errors';
export type { RecordedRunError } from './run-errors';
