import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { InvalidInputError, tenantIdSchema, withOps, type QuotaPatch } from '@aos/core/ops';
import { z } from 'zod';
import { CentsFlagSchema, parseFlags, type GlobalOptions } from '../flags';
import type { QuotaJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { renderQuota, writeDocument } from '../render';

const GetFlags = z.object({ tenantId: tenantIdSchema });

const SetFlags = z.object({
  tenantId: tenantIdSchema,
  dailyCents: CentsFlagSchema.optional(),
  hourlyCents: CentsFlagSchema.optional(),
  requestCents: CentsFlagSchema.optional(),
  runCents: CentsFlagSchema.optional(),
  warnThreshold: z
    .string()
    .trim()
    .regex(/^\d*\.?\d+$/, 'must be a fraction such as 0.8')
    .transform(Number)
    .pipe(z.number().gt(0, 'must be greater than 0').max(1, 'must be at most 1 (a fraction, not a percentage)'))
    .optional(),
  hardLimit: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
});

/** `int-cli quota get --tenant-id T`: stored limits (or the defaults) and today's spend. */
export async function runQuotaGet(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const { tenantId } = parseFlags(GetFlags, args);
  const document: QuotaJson = await withOps(opsConfig(g, io), (ops) => ops.quotas.get(tenantId));
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderQuota(document, false));
  return 0;
}

/**
 * `int-cli quota set --tenant-id T [--daily-cents N] …`: every flag is validated before the
 * store is even opened, so a bad value (negative, not a number) writes nothing (exit 2).
 */
export async function runQuotaSet(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(SetFlags, args);
  const patch: QuotaPatch = {
    ...(flags.dailyCents !== undefined && { daily_limit_cents: flags.dailyCents }),
    ...(flags.hourlyCents !== undefined && { hourly_limit_cents: flags.hourlyCents }),
    ...(flags.requestCents !== undefined && { request_limit_cents: flags.requestCents }),
    ...(flags.runCents !== undefined && { run_limit_cents: flags.runCents }),
    ...(flags.warnThreshold !== undefined && { warn_threshold: flags.warnThreshold }),
    ...(flags.hardLimit !== undefined && { hard_limit: flags.hardLimit === 'true' }),
  };
  if (Object.keys(patch).length === 0) {
    throw new InvalidInputError(
      'nothing to set: give at least one of --daily-cents, --hourly-cents, --request-cents, --run-cents, --warn-threshold, --hard-limit',
    );
  }
  const document: QuotaJson = await withOps(opsConfig(g, io), (ops) => ops.quotas.set(flags.tenantId, patch));
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderQuota(document, true));
  return 0;
}
