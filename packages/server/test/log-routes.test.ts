import {
  AgentViewSchema,
  ApiErrorBodySchema,
  CreatedRunViewSchema,
  LogCheckpointViewSchema,
  LogProofViewSchema,
  RunDetailsViewSchema,
  RunEndEventSchema,
  TrustedKeysViewSchema,
} from '@aos/core/contract';
import {
  parseCheckpointBody,
  proofFromBase64,
  tenantLogLeafHash,
  verifyConsistency,
  verifyInclusion,
  verifyNote,
  verifyProofBundle,
} from '@aos/proof';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, createAppFixture, type AppFixture } from './app-fixture';

// The tenant log over HTTP (SPEC §12, §13): checkpoints, proofs, receipts in run details, in the
// end event and in bundles — each checked here against the published key set, as a client must.

describe.skipIf(!inject('aosServerAvailable'))('aos-server tenant log routes [server]', () => {
  let t: AppFixture;
  let acme: string;
  let globex: string;
  let agentId: string;
  let trusted: string[];

  beforeAll(async () => {
    t = await createAppFixture();
    await t.tenant('acme');
    await t.tenant('globex');
    acme = await t.key('acme');
    globex = await t.key('globex');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: bearer(acme),
      payload: { name: 'logged' },
    });
    agentId = AgentViewSchema.parse(res.json()).id;
    trusted = TrustedKeysViewSchema.parse((await t.app.inject({ method: 'GET', url: '/v1/keys' })).json()).keys;
  });
  afterAll(async () => {
    await t?.destroy();
  });

  const get = (url: string, key = acme) => t.app.inject({ method: 'GET', url, headers: bearer(key) });
  /** A run created through the API and followed to its end event (which waits for the receipt). */
  const runToEnd = async (goal: string) => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: bearer(acme),
      payload: { agent_id: agentId, goal },
    });
    const { run } = CreatedRunViewSchema.parse(created.json());
    const stream = await get(`/v1/runs/${run.id}/events`);
    const last = stream.body.split('\n\n').filter((b) => b.includes('event: end'))[0] ?? '';
    const data =
      last
        .split('\n')
        .find((l) => l.startsWith('data: '))
        ?.slice(6) ?? 'null';
    return { runId: run.id, end: RunEndEventSchema.parse(JSON.parse(data)) };
  };

  it('a tenant with no sealed run has no checkpoint: 404 LOG_NOT_FOUND', async () => {
    const res = await get('/v1/log/checkpoint', globex);
    expect(res.statusCode).toBe(404);
    expect(ApiErrorBodySchema.parse(res.json()).error.code).toBe('LOG_NOT_FOUND');
  });

  it("every run's end event and details carry its receipt; the checkpoint, inclusion and consistency proofs verify", async () => {
    const first = await runToEnd('echo first');
    const second = await runToEnd('echo second');
    for (const { end } of [first, second]) expect(end.receipt?.leaf.run_id).toBe(end.run.id);
    const details = RunDetailsViewSchema.parse((await get(`/v1/runs/${first.runId}`)).json());
    const receipt = details.receipt!;
    expect(receipt.leaf.log_index).toBe(first.end.receipt!.leaf.log_index);
    expect(receipt.leaf_hash).toBe(tenantLogLeafHash(receipt.leaf));

    const latest = LogCheckpointViewSchema.parse((await get('/v1/log/checkpoint')).json());
    const note = verifyNote(latest.checkpoint, trusted);
    expect(note.valid).toBe(true);
    const body = parseCheckpointBody(note.body);
    expect(body.origin).toMatch(/\/tenants\/acme$/);
    expect(body.treeSize).toBe(latest.tree_size);

    const index = receipt.leaf.log_index;
    const inclusion = LogProofViewSchema.parse(
      (await get(`/v1/log/proof/inclusion?index=${index}&size=${latest.tree_size}`)).json(),
    );
    expect(
      verifyInclusion({
        leafHash: receipt.leaf_hash,
        index,
        treeSize: latest.tree_size,
        proof: proofFromBase64(inclusion.proof),
        rootHash: body.rootHash,
      }),
    ).toBe(true);

    const consistency = LogProofViewSchema.parse(
      (await get(`/v1/log/proof/consistency?from=1&to=${latest.tree_size}`)).json(),
    );
    // This file's first run is the tenant's leaf 0, and the root of a one-leaf tree is its hash.
    expect(receipt.leaf.log_index).toBe(0);
    expect(
      verifyConsistency({
        oldSize: 1,
        newSize: latest.tree_size,
        oldRoot: receipt.leaf_hash,
        newRoot: body.rootHash,
        proof: proofFromBase64(consistency.proof),
      }),
    ).toBe(true);
  });

  it('a bundle asked for since a saved size carries the consistency proof, and verifies against the saved checkpoint', async () => {
    const { runId } = await runToEnd('echo before');
    const saved = LogCheckpointViewSchema.parse((await get('/v1/log/checkpoint')).json());
    await runToEnd('echo after');
    const res = await get(`/v1/runs/${runId}/bundle?since_size=${saved.tree_size}`);
    expect(res.statusCode).toBe(200);
    const bundle = JSON.parse(res.body) as { receipt: { consistency: { from_size: number } | null } };
    expect(bundle.receipt.consistency?.from_size).toBe(saved.tree_size);
    const verdict = verifyProofBundle(bundle, { trustedKeys: trusted, logCheckpoint: saved.checkpoint });
    expect(verdict.verification_status, verdict.failure_reason ?? '').toBe('VERIFIED');
    expect(verdict.log_inclusion?.consistent_from).toBe(saved.tree_size);
  });

  it('bad positions are 400 naming the field; a size beyond the newest checkpoint is 404 LOG_NOT_FOUND', async () => {
    for (const [url, field] of [
      ['/v1/log/proof/consistency?from=x&to=2', /^querystring\.from: /],
      ['/v1/log/proof/inclusion?index=0', /^querystring\.size: /],
      ['/v1/runs/00000000-0000-4000-8000-000000000000/bundle?since_size=0', /^querystring\.since_size: /],
    ] as const) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(ApiErrorBodySchema.parse(res.json()).error.message).toMatch(field);
    }
    const reversed = await get('/v1/log/proof/consistency?from=3&to=2');
    expect(reversed.statusCode).toBe(400);
    const beyond = await get('/v1/log/proof/inclusion?index=0&size=100000');
    expect(beyond.statusCode).toBe(404);
    expect(ApiErrorBodySchema.parse(beyond.json()).error.code).toBe('LOG_NOT_FOUND');
  });

  it("another tenant's key sees its own (empty) log, never acme's", async () => {
    const res = await get('/v1/log/proof/inclusion?index=0&size=1', globex);
    expect(res.statusCode).toBe(404);
    const noKey = await t.app.inject({ method: 'GET', url: '/v1/log/checkpoint' });
    expect(noKey.statusCode).toBe(401);
  });
});
