import type { RunStatus, StepStatus } from '../db/schema';

/** Progress of a run, reported as it happens (the CLIs print these on stderr). */
export type RunEvent =
  | {
      readonly type: 'planned';
      readonly runId: string;
      readonly planHash: string;
      readonly stepCount: number;
      readonly planner: string;
    }
  | { readonly type: 'attempt_started'; readonly runId: string; readonly attempt: number; readonly maxAttempts: number }
  | {
      readonly type: 'step_started';
      readonly runId: string;
      readonly stepId: string;
      readonly skill: string;
      readonly attempt: number;
      readonly position: number;
      readonly total: number;
    }
  | {
      readonly type: 'step_finished';
      readonly runId: string;
      readonly stepId: string;
      readonly skill: string;
      readonly stepIndex: number;
      readonly status: StepStatus;
      readonly durationMs: number;
      readonly costCents: number;
      readonly error: string | null;
      readonly willRetry: boolean;
    }
  | { readonly type: 'budget_alert'; readonly runId: string; readonly message: string }
  | { readonly type: 'retry_scheduled'; readonly runId: string; readonly nextAttemptAt: Date; readonly delayMs: number }
  | { readonly type: 'finished'; readonly runId: string; readonly status: RunStatus; readonly error: string | null }
  /** The run is sealed but sequencing it into its tenant log failed: it stays queued for the next drain. */
  | { readonly type: 'log_deferred'; readonly runId: string; readonly reason: string };

/** Receives {@link RunEvent}s; must not throw. */
export type RunEventListener = (event: RunEvent) => void;
