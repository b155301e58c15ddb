/**
 * A run whose attempt failed retryably waits min(60·2^(attempts−1), 3600) seconds
 * before its next attempt.
 *
 * @example
 * ```ts
 * runRetryDelaySeconds(1) // 60
 * runRetryDelaySeconds(3) // 240
 * ```
 */
export function runRetryDelaySeconds(attempts: number): number {
  return Math.min(60 * 2 ** Math.max(attempts - 1, 0), 3600);
}

/**
 * How long a driver that makes the next attempt itself (the customer CLI, SPEC §4) waits after
 * the attempt numbered `attempts` failed retryably: min(backoff, `capMs`). The `retry_scheduled`
 * event carries this wait and the driver sleeps exactly this long.
 *
 * @example
 * ```ts
 * inlineRetryWaitMs(1, 5000) // 5000
 * ```
 */
export function inlineRetryWaitMs(attempts: number, capMs: number): number {
  return Math.min(runRetryDelaySeconds(attempts) * 1000, capMs);
}

/** Pause between attempts of one plan step (retryable failures): 200 ms, 400 ms, … capped at 5 s. */
export function stepRetryDelayMs(attempt: number): number {
  return Math.min(200 * 2 ** Math.max(attempt - 1, 0), 5000);
}
