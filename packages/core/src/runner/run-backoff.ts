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

/** Pause between attempts of one plan step (retryable failures): 200 ms, 400 ms, … capped at 5 s. */
export function stepRetryDelayMs(attempt: number): number {
  return Math.min(200 * 2 ** Math.max(attempt - 1, 0), 5000);
}
