import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { verifyProofBundle } from '@aos/proof';
import { verifyProofBundleFile } from '@aos/proof/node';
import { exportProofBundle, exportProofBundleToFile } from '@aos/proof/postgres';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { executeRunAttempt, type Database } from '@aos/core/testing';
import { createPlannedRun, planStep, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

const trusted = { trustedKeys: [TEST_SIGNING_KEY.verifierKey] };

describeEachDriver('proof export to a file', (t: TestDatabase) => {
  let db: Kysely<Database>;
  let dir: string;
  let runId: string;
  const tenant = `tenant-${randomUUID()}`;
  beforeAll(async () => {
    db = await t.db();
    dir = await mkdtemp(join(tmpdir(), 'aos-proof-export-'));
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: Array.from({ length: 7 }, (_, i) =>
        planStep(i + 1, 'echo', { message: `step ${i + 1} ✓ ünïcode` }, { depends_on: [] }),
      ),
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps());
    expect(done.status).toBe('succeeded');
    runId = run.id;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams the bundle a batch of steps at a time into a file that verifies, equal to the object form', async () => {
    const file = join(dir, `run-${t.driver}.json`);
    // Batches of 3 over 7 steps: pages of 3, 3 and 1.
    const summary = await exportProofBundleToFile(db, tenant, runId, file, { batchSize: 3 });
    expect(summary).toMatchObject({ format: 'aos.proof-bundle.v2', steps: 7 });
    const result = await verifyProofBundleFile(file, trusted);
    expect(result).toMatchObject({ verification_status: 'VERIFIED', chain_length: 7, signature_valid: true });

    const fromFile = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const object = JSON.parse(JSON.stringify(await exportProofBundle(db, tenant, runId))) as Record<string, unknown>;
    expect({ ...fromFile, exported_at: null }).toEqual({ ...object, exported_at: null });
    expect(verifyProofBundle(fromFile, trusted)).toEqual(result);
    expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(7 + 3);
  });

  it('streams to a writable stream too', async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    await exportProofBundleToFile(db, tenant, runId, sink);
    const bundle: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    expect(verifyProofBundle(bundle, trusted).verification_status).toBe('VERIFIED');
  });

  it('refuses a run of another tenant and writes nothing', async () => {
    const file = join(dir, `other-${t.driver}.json`);
    await expect(exportProofBundleToFile(db, 'someone-else', runId, file)).rejects.toMatchObject({
      code: 'PROOF_NOT_FOUND',
    });
    await expect(readFile(file)).rejects.toThrow();
  });
});
