export { drainTenantLog, MAX_LOG_BATCH, pendingTenantLogs, sequenceTenantLog } from './log-sequencer';
export type { LogBatch } from './log-sequencer';
export { parseWitnessTargets, startLogSequencer, submitLatest } from './log-service';
export type { LogSequencer, LogSequencerStatus, WitnessStatus, WitnessTarget } from './log-service';
