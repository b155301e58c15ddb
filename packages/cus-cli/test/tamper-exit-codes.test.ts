import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDriver, spawnNode } from '@aos/testkit';
import { BUILT, configHomeOf, field, requireBuilt } from './cli-harness';

const TENANT = 'tamper-cli';

// Trace v3 from the outside: after each edit of a stored run, the three verifiers a user has —
// `cus-cli proof`, `int-cli audit` and `aos-proof verify` of the exported bundle — exit 5 and
// name what was changed.
describeEachDriver('trace v3 tamper cases: every verifier exits 5', (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'cus-cli-tamper-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const spawn = async (bin: string, args: string[]) => {
    await t.release();
    const child = spawnNode([bin, ...args], {
      env: { DATABASE_URL: '', NO_COLOR: '1', XDG_CONFIG_HOME: configHomeOf(t), ...t.env },
    });
    const { code } = await child.exited;
    return { code, stdout: child.stdout(), stderr: child.stderr() };
  };

  let agentId: string;
  let verifierKey: string;
  beforeAll(async () => {
    requireBuilt(BUILT.cusCli, BUILT.aosProof, BUILT.intCli);
    const created = await spawn(BUILT.cusCli, ['create-agent', '--name', 'tamper', '--tenant-id', TENANT]);
    expect(created.code, created.stderr).toBe(0);
    agentId = field(created.stdout, 'Created agent')!;
  });

  type Trx = Parameters<Parameters<typeof t.tamper>[0]>[0];
  const cases: [string, (trx: Trx, runId: string) => Promise<unknown>, RegExp][] = [
    [
      'the goal',
      (trx, id) => trx.updateTable('runs').set({ goal: 'echo forged' }).where('id', '=', id).execute(),
      /plan\.goal does not match the run's goal/,
    ],
    [
      'the run status',
      (trx, id) => trx.updateTable('runs').set({ status: 'failed' }).where('id', '=', id).execute(),
      /run_outcome\.run_status does not match the run/,
    ],
    [
      'the trace status',
      (trx, id) => trx.updateTable('aos_traces').set({ status: 'failed' }).where('run_id', '=', id).execute(),
      /run_outcome\.trace_status does not match the trace/,
    ],
    [
      'the origin',
      (trx, id) => trx.updateTable('runs').set({ origin_system_id: 'elsewhere' }).where('id', '=', id).execute(),
      /run_header\.origin_system_id does not match the run/,
    ],
    [
      'a step',
      (trx, id) =>
        trx
          .updateTable('aos_trace_steps')
          .set({ outcome_data: '{"message":"forged"}' })
          .where('run_id', '=', id)
          .execute(),
      /step 0: leaf_hash does not match its contents/,
    ],
  ];

  it.each(cases)('an edit of %s', async (name, edit, reason) => {
    const run = await spawn(BUILT.cusCli, ['run', '-a', agentId, '-g', `echo ${name}`, '--tenant-id', TENANT]);
    expect(run.code, run.stderr).toBe(0);
    const runId = field(run.stdout, 'Run ID')!;
    const file = join(scratch, `${runId}.json`);
    const clean = await spawn(BUILT.cusCli, ['proof', runId, '--tenant-id', TENANT, '--export', file]);
    expect(clean.code, clean.stderr).toBe(0);
    verifierKey = (clean.stderr.match(/--key (\S+)/) ?? [])[1] ?? '';
    expect(verifierKey).not.toBe('');

    await t.tamper((trx) => edit(trx, runId));

    const proof = await spawn(BUILT.cusCli, ['proof', runId, '--tenant-id', TENANT]);
    expect(proof.code).toBe(5);
    expect(field(proof.stdout, 'verification_status')).toBe('FAILED');
    expect(field(proof.stdout, 'failure_reason')).toMatch(reason);

    const audit = await spawn(BUILT.intCli, ['audit', '--tenant-id', TENANT, '--json']);
    expect(audit.code).toBe(5);
    expect(audit.stdout).toMatch(reason);

    const tampered = join(scratch, `${runId}-tampered.json`);
    expect((await spawn(BUILT.cusCli, ['proof', runId, '--tenant-id', TENANT, '--export', tampered])).code).toBe(5);
    const offline = await spawn(BUILT.aosProof, ['verify', tampered, '--key', verifierKey]);
    expect(offline.code).toBe(5);
    expect(offline.stdout).toMatch(reason);
    // The bundle exported before the edit still verifies: the edit is in the store, not in what was signed.
    expect((await spawn(BUILT.aosProof, ['verify', file, '--key', verifierKey])).code).toBe(0);
  });
});
