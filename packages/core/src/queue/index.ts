// The run queue of service mode (SPEC §14): graphile-worker's schema, jobs added in the run's
// own transaction, and the runner that executes them.
export {
  enqueueRun,
  EXECUTE_RUN_TASK,
  grantRunQueue,
  installRunQueue,
  RECOVER_RUNS_TASK,
  RUN_QUEUE_SCHEMA,
  runQueueInstalled,
} from './run-queue';
export {
  executeQueuedRun,
  RECOVER_EVERY_MS,
  recoverQueuedRuns,
  startRunWorker,
  UNQUEUED_GRACE_SECONDS,
} from './run-worker';
export type { QueueRecoveryReport, RunAttemptReport, RunWorker, RunWorkerDeps, RunWorkerOptions } from './run-worker';
