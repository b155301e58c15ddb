import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import { QuotaShapeDoc } from '../src/json-shapes';
import { ErrorJsonSchema } from '@aos/proof/cli-kit/schemas';
import { cliOn, countRows, query } from './cli-harness';

describeEachDriver('int-cli quota', (t) => {
  const tenant = 'quota-tenant';

  it.each([
    [['--daily-cents', '-5'], /--daily-cents: must be a non-negative number of cents/],
    [['--daily-cents=-5'], /--daily-cents: must be a non-negative number of cents/],
    [['--hourly-cents', 'abc'], /--hourly-cents: must be a non-negative number of cents/],
    [['--run-cents', '1e3'], /--run-cents: must be a non-negative number of cents/],
    [['--warn-threshold', '80'], /--warn-threshold: must be at most 1/],
    [['--warn-threshold', '0'], /--warn-threshold: must be greater than 0/],
    [['--hard-limit', 'maybe'], /--hard-limit: must be true or false/],
    [[], /nothing to set/],
  ])('refuses %j with exit 2 and writes nothing', async (flags, message) => {
    const result = await cliOn(t, ['quota', 'set', '--tenant-id', tenant, ...flags]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(await countRows(t, 'tenant_quotas')).toBe(0);
  });

  it('refuses a bad value with one JSON error document under --json', async () => {
    const result = await cliOn(t, ['quota', 'set', '--tenant-id', tenant, '--daily-cents', '-1', '--json']);
    expect(result.code).toBe(2);
    expect(ErrorJsonSchema.parse(JSON.parse(result.stdout)).error.code).toBe('INVALID_INPUT');
    expect(await countRows(t, 'tenant_quotas')).toBe(0);
  });

  it('gets the defaults for a tenant without a row, then round-trips a valid set', async () => {
    const before = await cliOn(t, ['quota', 'get', '--tenant-id', tenant, '--json']);
    expect(before.code).toBe(0);
    expect(QuotaShapeDoc.parse(JSON.parse(before.stdout)).quota).toMatchObject({
      source: 'default',
      daily_limit_cents: 10000,
    });

    const set = await cliOn(t, [
      'quota',
      'set',
      '--tenant-id',
      tenant,
      '--daily-cents',
      '5000',
      '--hourly-cents',
      '700.5',
      '--request-cents',
      '50',
      '--run-cents',
      '250',
      '--warn-threshold',
      '0.9',
      '--hard-limit',
      'false',
    ]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`Updated quota of tenant "${tenant}" (stored)`);

    const after = await cliOn(t, ['quota', 'get', '--tenant-id', tenant, '--json']);
    expect(QuotaShapeDoc.parse(JSON.parse(after.stdout)).quota).toEqual({
      tenant_id: tenant,
      source: 'stored',
      daily_limit_cents: 5000,
      hourly_limit_cents: 700.5,
      request_limit_cents: 50,
      run_limit_cents: 250,
      warn_threshold: 0.9,
      hard_limit: false,
    });
    const row = await query(t, (db) =>
      db.selectFrom('tenant_quotas').selectAll().where('tenant_id', '=', tenant).executeTakeFirstOrThrow(),
    );
    expect(row).toMatchObject({ daily_limit_cents: 5000, hard_limit: false });

    // A partial set changes only what it names.
    await cliOn(t, ['quota', 'set', '--tenant-id', tenant, '--hard-limit', 'true']);
    const human = await cliOn(t, ['quota', 'get', '--tenant-id', tenant]);
    expect(human.stdout).toContain('daily_limit_cents: 5000\n');
    expect(human.stdout).toContain('hard_limit: true\n');
  });

  it('requires --tenant-id (usage error, exit 2)', async () => {
    const result = await cliOn(t, ['quota', 'get']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Missing required argument: tenant-id \(see int-cli quota get --help\)/);
  });
});
