import { z } from 'zod';
import { boundedString, strictParams } from './skill-schema';
import { defineSkill, SkillError } from './skill-types';

/** Failure classes the fault trigger can inject. */
export const FAULT_ERROR_CLASSES = ['retryable', 'non_retryable', 'timeout', 'none'] as const;
export type FaultErrorClass = (typeof FAULT_ERROR_CLASSES)[number];

const sdsrFailTriggerInput = strictParams({
  error_class: z.enum(FAULT_ERROR_CLASSES),
  message: boundedString(1000).optional(),
  fail_until_attempt: z.number().int().min(1).max(100).optional(),
  delay_ms: z.number().int().min(0).max(600_000).optional(),
  cost_cents: z.number().min(0).max(1_000_000).optional(),
});

/** Params of __sdsr_fail_trigger__. */
export type SdsrFailTriggerInput = z.infer<typeof sdsrFailTriggerInput>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = (): SkillError =>
      new SkillError('timeout', `__sdsr_fail_trigger__ was aborted during its ${ms} ms delay`, {
        retryable: true,
        outcomeCode: 'TIMEOUT',
      });
    if (signal.aborted) {
      reject(aborted());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const FAILURES: Record<
  Exclude<FaultErrorClass, 'none'>,
  { category: 'injected' | 'timeout'; retryable: boolean; code: string }
> = {
  retryable: { category: 'injected', retryable: true, code: 'INJECTED_RETRYABLE' },
  non_retryable: { category: 'injected', retryable: false, code: 'INJECTED_NON_RETRYABLE' },
  timeout: { category: 'timeout', retryable: true, code: 'INJECTED_TIMEOUT' },
};

/**
 * `__sdsr_fail_trigger__`: fault injection for tests and drills. Waits `delay_ms` (honouring the
 * attempt's signal), then fails with `error_class` — `retryable` / `non_retryable` (category
 * `injected`) or `timeout` (category `timeout`, retryable) — while `ctx.attempt ≤ fail_until_attempt`
 * (always, without it), and succeeds with `{ok: true, attempt}` after that or for `none`. Every
 * attempt, failed or not, reports `cost_cents`, which is also the estimate.
 *
 * @example
 * ```ts
 * // fails on attempts 1 and 2, succeeds on 3
 * { skill: '__sdsr_fail_trigger__', params: { error_class: 'retryable', fail_until_attempt: 2 } }
 * ```
 */
export const sdsrFailTriggerSkill = defineSkill({
  name: '__sdsr_fail_trigger__',
  version: '1.0.0',
  description:
    'Fault injection for tests and drills: fails with the requested error class (retryable, non_retryable, timeout) until a given attempt, optionally slow and with a given cost.',
  inputSchema: sdsrFailTriggerInput,
  deterministic: false,
  sideEffects: false,
  network: false,
  defaultTimeoutMs: 120_000,
  estimateCostCents: (input) => input.cost_cents ?? 0,
  async execute(input, ctx) {
    const costCents = input.cost_cents ?? 0;
    if (input.delay_ms) await sleep(input.delay_ms, ctx.signal);
    const failing =
      input.error_class !== 'none' &&
      (input.fail_until_attempt === undefined || ctx.attempt <= input.fail_until_attempt);
    if (failing && input.error_class !== 'none') {
      const failure = FAILURES[input.error_class];
      throw new SkillError(
        failure.category,
        input.message ?? `injected ${input.error_class} failure on attempt ${ctx.attempt}`,
        { retryable: failure.retryable, outcomeCode: failure.code, costCents, output: { attempt: ctx.attempt } },
      );
    }
    return { output: { ok: true, attempt: ctx.attempt }, costCents, outcomeCode: 'OK' };
  },
});
