import { randomUUID } from 'node:crypto';
import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import { BudgetJsonSchema } from '../src/json-shapes';
import { cliOn, query } from './cli-harness';

describeEachDriver('cus-cli budget', (t) => {
  const tenant = `tenant-${randomUUID()}`;

  it('shows the default limits with no spend, as text and as JSON', async () => {
    const text = await cliOn(t, ['budget', '--tenant-id', tenant]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Budget of tenant ${tenant} (the default limits)`);
    expect(text.stdout).toMatch(/today +0c of 10000c \(0 %\)\n/);
    expect(text.stdout).toMatch(/this hour +0c of 1000c \(0 %\)\n/);
    expect(text.stdout).toContain('Warns at 80 %; a run that would pass a limit is halted.');
    const json = BudgetJsonSchema.parse(
      JSON.parse((await cliOn(t, ['budget', '--json', '--tenant-id', tenant])).stdout),
    );
    expect(json).toEqual({
      quota: {
        tenant_id: tenant,
        daily_limit_cents: 10_000,
        hourly_limit_cents: 1_000,
        request_limit_cents: 100,
        run_limit_cents: 500,
        warn_threshold: 0.8,
        hard_limit: true,
        source: 'default',
      },
      spend: { daily_cents: 0, hourly_cents: 0 },
    });
  });

  it('shows the operator’s limits and the spend against them, naming a reached limit', async () => {
    await query(t, async (db) => {
      await db
        .insertInto('tenant_quotas')
        .values({
          tenant_id: tenant,
          daily_limit_cents: 100,
          hourly_limit_cents: 10,
          request_limit_cents: 100,
          run_limit_cents: 500,
          warn_threshold: 0.1,
          hard_limit: true,
        })
        .execute();
      await db.insertInto('cost_events').values({ tenant_id: tenant, cost_cents: 12 }).execute();
    });
    const text = await cliOn(t, ['budget', '--tenant-id', tenant]);
    expect(text.stdout).toContain('(limits set by the operator)');
    expect(text.stdout).toMatch(/today +12c of 100c \(12 %\) {2}over the warning threshold\n/);
    expect(text.stdout).toMatch(/this hour +12c of 10c \(120 %\) {2}LIMIT REACHED\n/);
    // Another tenant's spend is not this one's.
    const other = await cliOn(t, ['budget', '--json', '--tenant-id', `other-${randomUUID()}`]);
    expect(BudgetJsonSchema.parse(JSON.parse(other.stdout)).spend).toEqual({ daily_cents: 0, hourly_cents: 0 });
  });

  it('refuses a missing tenant locally with the usage exit code and a one-line error', async () => {
    const result = await cliOn(t, ['budget']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('tenant');
  });
});
