import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import { AuditShape } from '../src/json-shapes';
import { cliOn } from './cli-harness';
import { createSealedRuns } from './run-setup';

describeEachDriver('int-cli audit', (t) => {
  let acme: string[] = [];
  let globex: string[] = [];

  it('exits 0 on an untouched database, with counts per tenant and overall', async () => {
    acme = await createSealedRuns(t, 'acme', ['echo one', 'echo two', 'echo three']);
    globex = await createSealedRuns(t, 'globex', ['echo four']);
    const all = await cliOn(t, ['audit'], { NO_COLOR: '1' });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(
      /Audit of all tenants: 4 sealed traces checked in \d+\.\d\d s: 4 VERIFIED, 0 FAILED — all verified/,
    );
    expect(all.stderr).toBe('audit: 4/4 sealed traces checked\n');

    const one = await cliOn(t, ['audit', '--tenant-id', 'globex', '--json']);
    expect(one.code).toBe(0);
    const doc = AuditShape.parse(JSON.parse(one.stdout));
    expect(doc).toMatchObject({ tenant_id: 'globex', checked: 1, verified: 1, failed: 0, failures: [] });
    expect(doc.trusted_keys).toEqual([expect.objectContaining({ source: 'file', status: 'current' })]);
  });

  it('finds a trace tampered behind the triggers, names its run, and exits 5', async () => {
    const victim = acme[1]!;
    await t.tamper(async (trx) => {
      await trx
        .updateTable('aos_trace_steps')
        .set({ outcome_data: JSON.stringify({ message: 'forged' }) })
        .where('run_id', '=', victim)
        .where('step_index', '=', 0)
        .execute();
    });
    const human = await cliOn(t, ['audit', '--progress-every', '2'], { NO_COLOR: '1' });
    expect(human.code).toBe(5);
    expect(human.stdout).toMatch(new RegExp(`^FAILED  run ${victim}  tenant acme  step 0: .+$`, 'm'));
    expect(human.stdout).toContain('4 sealed traces checked');
    expect(human.stdout).toContain('3 VERIFIED, 1 FAILED — integrity check failed');
    expect(human.stderr).toBe('audit: 2/4 sealed traces checked\naudit: 4/4 sealed traces checked\n');

    const json = await cliOn(t, ['audit', '--json']);
    expect(json.code).toBe(5);
    const doc = AuditShape.parse(JSON.parse(json.stdout));
    expect(doc.failures).toEqual([
      expect.objectContaining({
        run_id: victim,
        tenant_id: 'acme',
        trace_id: `trace_${victim}`,
        first_divergent_step: 0,
      }),
    ]);
    // Each failure is also a finding, which is what the exit code follows.
    expect(doc.findings).toEqual([
      {
        kind: 'verification_failed',
        run_id: victim,
        tenant_id: 'acme',
        trace_id: `trace_${victim}`,
        message: doc.failures[0]!.reason,
      },
    ]);
    // Another tenant's audit is unaffected.
    expect((await cliOn(t, ['audit', '--tenant-id', 'globex'])).code).toBe(0);
  });

  it('after keys rotate still verifies the checkpoints signed before it with the retired key, and new ones', async () => {
    expect((await cliOn(t, ['keys', 'rotate'])).code).toBe(0);
    const newer = await createSealedRuns(t, 'globex', ['echo after the rotation']);
    const result = await cliOn(t, ['audit', '--tenant-id', 'globex', '--json']);
    expect(result.code).toBe(0);
    const doc = AuditShape.parse(JSON.parse(result.stdout));
    expect(doc).toMatchObject({ checked: 2, verified: 2, failed: 0 });
    expect(doc.trusted_keys.map((k) => [k.source, k.status])).toEqual([
      ['file', 'current'],
      ['file', 'retired'],
    ]);
    globex.push(...newer);
    // Without the retired key in the set, the older run no longer verifies: the set is what is trusted.
    const retired = doc.trusted_keys[1]!.verifier_key;
    const keySet = join(t.home, 'verifier-keys.json');
    const saved = readFileSync(keySet, 'utf8');
    writeFileSync(keySet, saved.replace(retired, doc.trusted_keys[0]!.verifier_key));
    try {
      const without = await cliOn(t, ['audit', '--tenant-id', 'globex', '--json']);
      expect(without.code).toBe(5);
      expect(AuditShape.parse(JSON.parse(without.stdout)).failures.map((f) => f.run_id)).toEqual([globex[0]]);
    } finally {
      writeFileSync(keySet, saved);
    }
  });

  it('checks at most --limit traces and refuses a malformed --trusted-key with exit 2', async () => {
    const limited = AuditShape.parse(JSON.parse((await cliOn(t, ['audit', '--limit', '2', '--json'])).stdout));
    expect(limited.checked).toBe(2);
    const bad = await cliOn(t, ['audit', '--trusted-key', 'not-a-key']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--trusted-key: verifier key "not-a-key" must look like/);
    expect(globex).toHaveLength(2);
  });
});
