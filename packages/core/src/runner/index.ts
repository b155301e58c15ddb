export { executeRunAttempt, planRun } from './run-executor';
export type { AttemptOutcome, RunnerDeps } from './run-executor';
export type { RunEvent, RunEventListener } from './run-events';
export { runRetryDelaySeconds, stepRetryDelayMs } from './run-backoff';
export { DEFAULT_STALE_AFTER_MS, recoverStaleRuns } from './stale-run-recovery';
export type { RecoveredRun } from './stale-run-recovery';
export { LEASE_OWNER, LEASE_RENEW_MS, LEASE_SECONDS, renewLease, traceIdOf } from './trace-writer';
