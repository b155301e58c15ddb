import { canonicalize, sha256Hex } from '@aos/proof';
import type { JsonValue } from '../db/schema';
import { recordAndReadCostEvent } from '../ops/cost-readback';
import { parseInput, tenantIdSchema } from '../validation';
import type { OpsContext } from './ops-context';
import type { AosOps } from './ops-types';

// json_transform never reads these, but its context requires them: the demo calls the skill
// directly, outside any run, and creates none.
const NO_RUN = '00000000-0000-0000-0000-000000000000';

/** `demo`: the checks of `int-cli demo` that need the deployment (the rest is presentation). */
export function demoOps(ctx: OpsContext): AosOps['demo'] {
  return {
    async checkDeterminism(request) {
      const tenantId = parseInput(tenantIdSchema, request.tenantId, 'tenant_id');
      const skill = ctx.registry().require('json_transform');
      const input: unknown = parseInput(skill.inputSchema, request.input, 'input');
      const db = await ctx.forTenant(tenantId);
      const outputs: JsonValue[] = [];
      for (let i = 0; i < 2; i += 1) {
        const result = await skill.execute(input, {
          tenantId,
          runId: NO_RUN,
          agentId: NO_RUN,
          attempt: 1,
          db,
          env: ctx.env,
          signal: new AbortController().signal,
          timeoutMs: skill.defaultTimeoutMs,
        });
        outputs.push(result.output);
      }
      const [first, second] = outputs as [JsonValue, JsonValue];
      const hashes: [string, string] = [sha256Hex(canonicalize(first)), sha256Hex(canonicalize(second))];
      return { skill: 'json_transform', outputs: [first, second], hashes, deterministic: hashes[0] === hashes[1] };
    },
    async recordCostEvent(request) {
      const tenantId = parseInput(tenantIdSchema, request.tenantId, 'tenant_id');
      const { event, alerts, spend } = await recordAndReadCostEvent(await ctx.forTenant(tenantId), {
        tenantId,
        costCents: request.costCents,
      });
      return {
        event_id: event.id,
        tenant_id: event.tenant_id,
        cost_cents: event.cost_cents,
        created_at: event.created_at.toISOString(),
        daily_spend_cents: spend.daily,
        hourly_spend_cents: spend.hourly,
        alerts: alerts.map((a) => ({
          id: a.id,
          level: a.level,
          period: a.period,
          message: a.message,
          spend_cents: a.spend_cents,
          limit_cents: a.limit_cents,
        })),
      };
    },
  };
}
