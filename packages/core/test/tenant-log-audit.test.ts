import { randomUUID } from 'node:crypto';
import { generateSigningKey, merkleTreeHash, signTenantCheckpoint } from '@aos/proof';
import { auditTenantLogs, readLogCheckpoint } from '@aos/proof/postgres';
import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { executeRunAttempt, sequenceTenantLog, type Database } from '@aos/core/testing';
import { createPlannedRun, planStep, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

const trustedKeys = [TEST_SIGNING_KEY.verifierKey];
const LEAVES = 13;

/** `n` sealed runs of `tenant`, left queued (no inline sequencer). */
async function queuedRuns(db: Kysely<Database>, tenant: string, n: number): Promise<void> {
  const deps = { ...testDeps(), afterSeal: undefined };
  for (let i = 0; i < n; i++) {
    const run = await createPlannedRun(db, { tenantId: tenant, steps: [planStep(1, 'echo', { message: `m${i}` })] });
    expect((await executeRunAttempt(db, run.id, deps)).run.status).toBe('succeeded');
  }
}

/** Sequences everything queued, `perBatch` runs per checkpoint: sizes perBatch, 2·perBatch, … */
async function sequence(db: Kysely<Database>, tenant: string, perBatch: number): Promise<void> {
  const options = { signingKey: TEST_SIGNING_KEY, trustedKeys, maxBatch: perBatch };
  while ((await sequenceTenantLog(db, tenant, options)) !== null);
}

async function leafHashes(db: Kysely<Database>, tenant: string): Promise<string[]> {
  const rows = await db
    .selectFrom('tenant_log_leaves')
    .select('leaf_hash')
    .where('tenant_id', '=', tenant)
    .orderBy('log_index')
    .execute();
  return rows.map((r) => r.leaf_hash);
}

describeEachDriver('tenant log audit', (t: TestDatabase) => {
  let db: Kysely<Database>;
  const tenant = `audit-${randomUUID()}`;
  beforeAll(async () => {
    db = await t.db();
    await queuedRuns(db, tenant, LEAVES);
    await sequence(db, tenant, 3);
  });

  it('re-derives the root in one streaming pass, whatever the batch size, and agrees with every checkpoint', async () => {
    const root = merkleTreeHash(await leafHashes(db, tenant));
    expect((await readLogCheckpoint(db, tenant))?.root_hash).toBe(root);
    for (const batchSize of [1, 2, 4, 7, 1000]) {
      const audit = await auditTenantLogs(db, { trustedKeys, tenantId: tenant, staleAfterMs: 60_000, batchSize });
      expect(audit.findings).toEqual([]);
      // Sizes 3, 6, 9, 12 and 13: every checkpoint ever signed is checked.
      expect(audit.logs).toEqual([
        { tenant_id: tenant, leaves: LEAVES, tree_size: LEAVES, checkpoints: 5, root_hash: root },
      ]);
      expect(audit.queued).toBe(0);
    }
  });

  it('a checkpoint signed by a key outside the trusted set is invalid', async () => {
    const audit = await auditTenantLogs(db, {
      trustedKeys: [generateSigningKey('elsewhere.example').verifierKey],
      tenantId: tenant,
      staleAfterMs: 60_000,
      batchSize: 4,
    });
    expect(audit.findings).toEqual([
      {
        kind: 'log_checkpoint_invalid',
        tenant_id: tenant,
        message: expect.stringMatching(
          /the checkpoint of size 3 is not valid: its signature does not verify by a trusted key .*; and 4 more like it$/,
        ),
      },
    ]);
  });

  it('a stored node rewritten, a node deleted and a checkpoint row re-signed over a forged root are each reported', async () => {
    const other = `audit-${randomUUID()}`;
    await queuedRuns(db, other, 5);
    await sequence(db, other, 2);
    const forged = '0'.repeat(64);
    await t.tamper(async (trx) => {
      await trx
        .updateTable('tenant_log_nodes')
        .set({ hash: forged })
        .where('tenant_id', '=', other)
        .where('level', '=', 2)
        .execute();
      await trx
        .deleteFrom('tenant_log_nodes')
        .where('tenant_id', '=', other)
        .where('level', '=', 1)
        .where('node_index', '=', 1)
        .execute();
      // The operator holds the key: a forged root at size 4 signs fine, but the leaves say otherwise.
      await trx
        .updateTable('tenant_log_checkpoints')
        .set({ root_hash: forged, checkpoint: signTenantCheckpoint(TEST_SIGNING_KEY, other, 4, forged) })
        .where('tenant_id', '=', other)
        .where('tree_size', '=', 4)
        .execute();
    });
    const audit = await auditTenantLogs(db, { trustedKeys, tenantId: other, staleAfterMs: 60_000, batchSize: 3 });
    expect(audit.findings).toEqual([
      {
        kind: 'log_checkpoint_inconsistent',
        tenant_id: other,
        message: expect.stringMatching(
          new RegExp(
            `^tenant ${other}: the checkpoint of size 4 is inconsistent with the log: its root 0{16}… is not [0-9a-f]{16}…, the root of the first 4 leaves as stored now \\(checkpoints up to size 2 agree\\)$`,
          ),
        ),
      },
      {
        kind: 'log_node_mismatch',
        tenant_id: other,
        log_index: 3,
        message: `tenant ${other}: the stored node at level 1, index 1 is missing; and 1 more like it`,
      },
    ]);
    expect(audit.logs[0]).toMatchObject({
      leaves: 5,
      tree_size: 5,
      checkpoints: 3,
      root_hash: merkleTreeHash(await leafHashes(db, other)),
    });
  });

  it('a queued trace is counted until the stale threshold, then it is a finding', async () => {
    const waiting = `audit-${randomUUID()}`;
    await queuedRuns(db, waiting, 1);
    const fresh = await auditTenantLogs(db, { trustedKeys, tenantId: waiting, staleAfterMs: 60_000 });
    expect(fresh).toEqual({ logs: [], queued: 1, findings: [] });
    const stale = await auditTenantLogs(db, { trustedKeys, tenantId: waiting, staleAfterMs: 0 });
    expect(stale.queued).toBe(0);
    expect(stale.findings.map((f) => f.kind)).toEqual(['log_queue_stale']);
    // Sequenced, it is in the log and nothing is left to report.
    await sequence(db, waiting, 10);
    expect(await auditTenantLogs(db, { trustedKeys, tenantId: waiting, staleAfterMs: 0 })).toMatchObject({
      queued: 0,
      findings: [],
    });
  });
});
