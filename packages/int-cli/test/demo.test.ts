import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalize, sha256Hex } from '@aos/proof';
import { describeEachDriver, spawnNode } from '@aos/testkit';
import { describe, expect, it } from 'vitest';
import { DemoShape } from '../src/json-shapes';
import { BUILT_BIN, cliOn, query, requireBuilt } from './cli-harness';

function dailySpend(stdout: string): number {
  const value = /Daily spend of "demo": ([\d.]+)c of/.exec(stdout)?.[1];
  if (value === undefined) throw new Error(`no daily spend line in:\n${stdout}`);
  return Number(value);
}

describeEachDriver('int-cli demo', (t) => {
  it('prints the five steps with values read from storage, and records a real cost event', async () => {
    const result = await cliOn(t, ['demo', '--quick'], { NO_COLOR: '1' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    for (const n of [1, 2, 3, 4, 5]) expect(out).toContain(`[${n}/5]`);
    expect(out).toMatch(
      /\[1\/5\] Skills discovered: 12 in the registry\n\s+http_call, json_transform, echo, llm_invoke, voyage_embed, … \(7 more\)/,
    );
    expect(out).toMatch(/\[2\/5\] Quota of tenant "demo" read from storage: no stored row, so the defaults apply/);
    expect(out).toContain(
      'daily 10000c · hourly 1000c · per-request 100c · per-run 500c · warn at 80% · hard limit on',
    );
    // The hash shown is the real canonical hash of json_transform's output for the demo input.
    const expected = sha256Hex(
      canonicalize({ result: { coupon: 'none', customer: 'Ada Lovelace', first_sku: 'ENGINE-1', order_id: 'A-1001' } }),
    );
    expect(out).toContain(`run 1 output sha256 (canonical JSON): ${expected}`);
    expect(out).toContain(`run 2 output sha256 (canonical JSON): ${expected}`);
    expect(out).toContain('Deterministic: Yes (identical hashes)');
    const eventId = Number(/Cost event #(\d+) recorded for tenant "demo" and read back: 1c at /.exec(out)?.[1]);
    expect(out).toContain('Alerts triggered: none (read from budget_alerts)');
    expect(out).toMatch(/\[5\/5\] Total time: \d+\.\d\d s \(opening the store \d+\.\d\d s\)/);
    expect(out).toContain('--quick left out: pauses between steps (400 ms each)');
    expect(out).toContain('npx @aos/cus-cli create-agent --name demo-agent --tenant-id demo');
    expect(out).toContain('npx @aos/cus-cli run --agent-id');
    expect(out).toContain('npx @aos/cus-cli proof');

    const event = await query(t, (db) =>
      db.selectFrom('cost_events').selectAll().where('id', '=', eventId).executeTakeFirst(),
    );
    expect(event).toMatchObject({ tenant_id: 'demo', cost_cents: 1, run_id: null });
    expect(dailySpend(out)).toBeGreaterThanOrEqual(1);
  });

  it('shows the daily spend growing when run again, and the quota row the budget guard stored', async () => {
    const first = await cliOn(t, ['demo', '--quick']);
    const second = await cliOn(t, ['demo', '--quick']);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(dailySpend(second.stdout)).toBe(dailySpend(first.stdout) + 1);
    expect(second.stdout).toContain('Quota of tenant "demo" read from storage: stored row');
    const events = await query(t, (db) =>
      db.selectFrom('cost_events').select('id').where('tenant_id', '=', 'demo').execute(),
    );
    expect(events.length).toBeGreaterThanOrEqual(3);
  });

  it('reports alerts the cost event triggered, read back from budget_alerts', async () => {
    // Warn at 50 % of a daily limit whose 50 % mark lies between today's spend S (>= 1c) and
    // S + 1c: the demo's 1c crosses it, so recording it writes one warn alert.
    await cliOn(t, ['demo', '--quick']);
    const spent = await query(t, async (db) => {
      const rows = await db.selectFrom('cost_events').select('cost_cents').where('tenant_id', '=', 'demo').execute();
      return rows.reduce((sum, r) => sum + r.cost_cents, 0);
    });
    const limit = 2 * spent + 1;
    const set = await cliOn(t, [
      'quota',
      'set',
      '--tenant-id',
      'demo',
      '--daily-cents',
      String(limit),
      '--hourly-cents',
      '100000',
      '--warn-threshold',
      '0.5',
    ]);
    expect(set.code).toBe(0);
    const result = await cliOn(t, ['demo', '--quick', '--json']);
    expect(result.code).toBe(0);
    const doc = DemoShape.parse(JSON.parse(result.stdout));
    expect(doc.cost.alerts).toHaveLength(1);
    expect(doc.cost.alerts[0]).toMatchObject({ level: 'warn', period: 'daily' });
    const stored = await query(t, (db) =>
      db.selectFrom('budget_alerts').selectAll().where('id', '=', doc.cost.alerts[0]!.id).executeTakeFirstOrThrow(),
    );
    expect(stored.message).toBe(doc.cost.alerts[0]!.message);
    await cliOn(t, [
      'quota',
      'set',
      '--tenant-id',
      'demo',
      '--daily-cents',
      '10000',
      '--hourly-cents',
      '1000',
      '--warn-threshold',
      '0.8',
    ]);
  });

  it('without --quick pauses between steps, prints the extras, and counts the pauses in the total', async () => {
    const result = await cliOn(t, ['demo', '--json']);
    expect(result.code).toBe(0);
    const doc = DemoShape.parse(JSON.parse(result.stdout));
    expect(doc.dropped_by_quick).toEqual([]);
    expect(doc.skills.names).toHaveLength(doc.skills.count);
    expect(doc.determinism.input).not.toBeNull();
    // --json never pauses: nobody is watching the steps appear.
    expect(doc.timing.paused_ms).toBe(0);
    const human = await cliOn(t, ['demo']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('input:  {"payload"');
    expect(human.stdout).toMatch(
      /\[5\/5\] Total time: \d+\.\d\d s \(opening the store \d+\.\d\d s, pauses 1\.\d\d s\)/,
    );
    expect(human.stdout).not.toContain('--quick left out');
  });
});

describe('int-cli demo, built binary', () => {
  it('runs on a fresh embedded directory (initdb + migrations) and exits 0', async () => {
    requireBuilt(BUILT_BIN);
    const home = mkdtempSync(join(tmpdir(), 'int-cli-demo-'));
    try {
      const child = spawnNode([BUILT_BIN, 'demo', '--quick'], {
        env: { AOS_HOME: home, DATABASE_URL: '', NO_COLOR: '1' },
      });
      const { code } = await child.exited;
      // The one line before initdb, so the first command's seconds are not silence.
      expect(child.stderr()).toBe(
        `Creating the embedded database in ${join(home, 'pgdata')} (first use, a few seconds)...\n`,
      );
      expect(code).toBe(0);
      expect(child.stdout()).toContain(`embedded store at ${join(home, 'pgdata')}`);
      expect(child.stdout()).toContain('Deterministic: Yes');
      expect(child.stdout()).toMatch(/Daily spend of "demo": 1c of 10000c/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
