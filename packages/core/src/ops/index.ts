// Operator capabilities (int-cli): none of them creates a run.
export { recordAndReadCostEvent } from './cost-readback';
export type { CostReadback } from './cost-readback';
export { countTraces } from './trace-counts';
export type { TraceCounts } from './trace-counts';
export {
  describeSigningKey,
  generateSigningKeyFile,
  listDeploymentKeys,
  readSigningKeyFile,
} from './signing-key-admin';
export type { GeneratedSigningKey, SigningKeyInfo, SigningKeySource } from './signing-key-admin';
export { DEFAULT_QUEUED_GRACE_MS, listDueRuns, recordRunExecutionError } from './due-runs';
export type { DueRun, RecordedRunError } from './due-runs';
