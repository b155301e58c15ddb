import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AgentViewSchema,
  CreatedRunViewSchema,
  LogCheckpointViewSchema,
  LogProofViewSchema,
  RunDetailsViewSchema,
} from '@aos/core/contract';
import { drainTenantLog, openDatabase, type AosDatabase } from '@aos/core/testing';
import { cosignerKeyFrom, encodeSigningKey, generateSigningKey, verifyCosignature } from '@aos/proof';
import { startWitnessServer, type WitnessServer } from '@aos/proof/node';
import { adminQuery, SERVER_ADMIN_URL, spawnNode, startTestAosServer, type TestAosServer } from '@aos/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { bearer } from './app-fixture';

// A real aos-server submitting its tenant checkpoints to a real witness (SPEC §13), then the two
// things a witness is for: the deployment goes on when a witness is down, and an operator who
// rewrites a tenant's history cannot get the new log cosigned.

const logKey = generateSigningKey('aos.test');
const witnessKey = generateSigningKey('witness.test/w1');
// A second witness entry whose port nothing listens on: a witness that is down from the start.
const downKey = cosignerKeyFrom(generateSigningKey('witness.test/down'));
const W1 = 'witness.test/w1';
const DOWN = 'witness.test/down';

// The part of /readyz this test reads (the route's own schema is not exported).
const ReadySchema = z.object({
  tenant_log: z.object({
    witnesses: z.array(
      z.object({
        name: z.string(),
        last_cosigned_at: z.string().nullable(),
        last_error: z.string().nullable(),
        pending: z.number(),
      }),
    ),
  }),
});

/** Polls `probe` until it returns a value (not undefined), or fails naming `what` after `ms`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = `: ${error instanceof Error ? error.message : JSON.stringify(error)}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const AOS_PROOF_BIN = fileURLToPath(new URL('../../proof/dist/bin.js', import.meta.url));

/** Runs the built `aos-proof verify` on files, as a customer would on what they downloaded. */
async function aosProofVerify(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  const child = spawnNode([AOS_PROOF_BIN, 'verify', ...args], { env: { NO_COLOR: '1' } });
  const { code } = await child.exited;
  return { code, out: child.stdout() };
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe.skipIf(!inject('aosServerAvailable'))('aos-server and a real witness [server]', () => {
  let stateDir: string;
  // What a customer downloads and keeps: bundles, the saved checkpoint, a witness policy.
  let filesDir: string;
  let witness: WitnessServer;
  let server: TestAosServer;
  let admin: AosDatabase;
  let adminUrl: string;
  let agentId: string;
  const runIds: string[] = [];
  // The tenant checkpoint a customer saved (and the witness cosigned) before the attack.
  let saved: { size: number; file: string; note: string };

  const api = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { ...bearer(server.apiKey), 'content-type': 'application/json', ...init.headers },
    });
    return { status: response.status, body: await response.json() };
  };
  const readyWitness = async (name: string) => {
    const ready = ReadySchema.parse((await api('/readyz')).body);
    return ready.tenant_log.witnesses.find((w) => w.name === name);
  };
  const checkpoint = async () => LogCheckpointViewSchema.parse((await api('/v1/log/checkpoint')).body);
  const cosignedAt = (size: number) =>
    eventually(`a checkpoint of size ${size} cosigned by ${W1}`, async () => {
      const view = await checkpoint();
      return view.tree_size === size && view.cosigned_by.includes(W1) ? view : undefined;
    });
  /** Saves a bundle as a customer downloads it; returns the file. */
  const download = async (path: string, name: string) => {
    const response = await fetch(`${server.url}${path}`, { headers: bearer(server.apiKey) });
    expect(response.status).toBe(200);
    const file = join(filesDir, name);
    await writeFile(file, await response.text());
    return file;
  };

  /** Creates a run through the API and waits until it has finished and has its receipt. */
  const runToReceipt = async (goal: string) => {
    const created = await api('/v1/runs', { method: 'POST', body: JSON.stringify({ agent_id: agentId, goal }) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const runId = CreatedRunViewSchema.parse(created.body).run.id;
    runIds.push(runId);
    return eventually(`the receipt of run ${runId}`, async () => {
      const details = RunDetailsViewSchema.parse((await api(`/v1/runs/${runId}`)).body);
      return details.run.status === 'succeeded' && details.receipt !== null ? details : undefined;
    });
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'aos-witness-e2e-'));
    filesDir = await mkdtemp(join(tmpdir(), 'aos-witness-e2e-files-'));
    witness = await startWitnessServer({ key: witnessKey, stateDir, logKeys: [logKey.verifierKey] });
    const down = `http://127.0.0.1:${await closedPort()}`;
    server = await startTestAosServer({
      env: {
        AOS_SIGNING_KEY: encodeSigningKey(logKey),
        AOS_WITNESSES: `${witness.url} ${witness.verifierKey},\n${down} ${downKey.verifierKey}`,
      },
    });
    // The operator's own superuser connection to the server's database, for the tamper below.
    const url = new URL(server.databaseUrl);
    url.username = new URL(SERVER_ADMIN_URL).username;
    adminUrl = url.toString();
    admin = await openDatabase({ env: { AOS_HOME: server.home }, url: adminUrl });
    const agent = await api('/v1/agents', { method: 'POST', body: JSON.stringify({ name: 'witnessed' }) });
    agentId = AgentViewSchema.parse(agent.body).id;
  }, 60_000);
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
    await witness?.close();
    await rm(stateDir, { recursive: true, force: true });
    await rm(filesDir, { recursive: true, force: true });
  });

  it('the witness cosigns each new tenant checkpoint; /readyz shows it healthy', async () => {
    for (const goal of ['echo one', 'echo two', 'echo three']) await runToReceipt(goal);
    const third = await cosignedAt(3);
    expect(third.cosigned_by).not.toContain(DOWN);
    expect(verifyCosignature(third.checkpoint, witness.verifierKey).valid).toBe(true);
    // The customer keeps this checkpoint (as `cus-cli` does) ...
    saved = { size: third.tree_size, file: join(filesDir, 'saved-checkpoint.txt'), note: third.checkpoint };
    await writeFile(saved.file, saved.note);
    // ... and a later, honest run's bundle proves the log still extends it.
    const fourth = await runToReceipt('echo four');
    const bundleFile = await download(`/v1/runs/${fourth.run.id}/bundle?since_size=${saved.size}`, 'run4.bundle.json');
    const cli = await aosProofVerify([bundleFile, '--key', logKey.verifierKey, '--since', saved.file]);
    expect(cli.code, cli.out).toBe(0);
    expect(cli.out).toContain('log_index: 3\nlog_size: 4\n');
    expect(cli.out).toContain('consistent_from: 3\n');
    await cosignedAt(4);
    const healthy = await eventually('w1 with nothing pending', async () => {
      const w = await readyWitness(W1);
      return w?.pending === 0 ? w : undefined;
    });
    expect(healthy).toMatchObject({ last_error: null, pending: 0 });
    expect(healthy.last_cosigned_at).not.toBeNull();
  });

  it('a witness that is down: runs still complete with receipts, /readyz names its error and pending work', async () => {
    // All four runs above finished and got receipts while this witness was unreachable.
    expect(runIds).toHaveLength(4);
    const down = await eventually('the down witness reported', async () => {
      const w = await readyWitness(DOWN);
      return w?.last_error != null ? w : undefined;
    });
    expect(down.last_error).toMatch(/fetch failed|ECONNREFUSED|refused/i);
    expect(down.pending).toBeGreaterThan(0);
    expect(down.last_cosigned_at).toBeNull();
    // A bundle exported now verifies offline under a policy the live witness satisfies, and
    // fails under one that also needs the down witness.
    const bundleFile = await download(`/v1/runs/${runIds[2]}/bundle`, 'run3.bundle.json');
    const policyFile = join(filesDir, 'policy.json');
    const policy = (quorum: number) =>
      JSON.stringify({
        log_keys: [logKey.verifierKey],
        witnesses: [
          { name: W1, key: witness.verifierKey },
          { name: DOWN, key: downKey.verifierKey },
        ],
        quorum,
      });
    await writeFile(policyFile, policy(1));
    const one = await aosProofVerify([bundleFile, '--key', logKey.verifierKey, '--policy', policyFile]);
    expect(one.code, one.out).toBe(0);
    expect(one.out).toContain('log_index: 2\nlog_size: 4\n');
    expect(one.out).toContain(`cosigned_by: ${W1}\n`);
    await writeFile(policyFile, policy(2));
    const two = await aosProofVerify([bundleFile, '--key', logKey.verifierKey, '--policy', policyFile]);
    expect(two.code, two.out).toBe(5);
    expect(two.out).toMatch(/^failure_reason: receipt: witness policy: 1 of the 2/m);
  });

  it('an operator who rewrites the history gets no cosignature: the witness answers 422', async () => {
    const tenantId = server.tenantId;
    const witnessSize = 4;
    const kept = runIds.slice(1);
    // The superuser deletes the tenant's log and re-queues every run but the first, so the log
    // is rebuilt — validly signed with the deployment key — without it.
    await adminQuery(
      `BEGIN;
       SET LOCAL session_replication_role = replica;
       DELETE FROM tenant_log_cosignatures WHERE tenant_id = '${tenantId}';
       DELETE FROM tenant_log_checkpoints WHERE tenant_id = '${tenantId}';
       DELETE FROM tenant_log_nodes WHERE tenant_id = '${tenantId}';
       DELETE FROM tenant_log_leaves WHERE tenant_id = '${tenantId}';
       INSERT INTO tenant_log_queue (trace_id, tenant_id, sealed_at)
         SELECT trace_id, tenant_id, sealed_at FROM aos_traces WHERE run_id IN (${kept.map((id) => `'${id}'`).join(', ')});
       COMMIT;`,
      adminUrl,
    );
    await drainTenantLog(admin.admin, tenantId, { signingKey: logKey, trustedKeys: [logKey.verifierKey] });
    // Two more runs take the rewritten log (3 leaves) past the size the witness cosigned.
    await runToReceipt('echo five');
    const last = await runToReceipt('echo six');
    expect(last.receipt?.leaf.log_index).toBe(4);

    const refused = await eventually('the sequencer to record the refusal', async () => {
      const w = await readyWitness(W1);
      return w?.last_error?.includes('HTTP 422') === true ? w : undefined;
    });
    expect(refused.pending).toBeGreaterThan(0);
    const latest = await checkpoint();
    expect(latest.tree_size).toBe(5);
    expect(latest.cosigned_by).toEqual([]);
    const rows = await admin.admin
      .selectFrom('tenant_log_cosignatures')
      .select('tree_size')
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(rows).toEqual([]);

    // Submitting it ourselves, with the consistency proof from the size the witness cosigned.
    const proof = LogProofViewSchema.parse((await api(`/v1/log/proof/consistency?from=${witnessSize}&to=5`)).body);
    const body = `old ${witnessSize}\n${proof.proof.map((line) => `${line}\n`).join('')}\n${latest.checkpoint}`;
    const answer = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body });
    expect(answer.status).toBe(422);

    // The customer who saved the size-3 checkpoint detects it offline too.
    const bundleFile = await download(`/v1/runs/${last.run.id}/bundle?since_size=${saved.size}`, 'run6.bundle.json');
    const cli = await aosProofVerify([bundleFile, '--key', logKey.verifierKey, '--since', saved.file]);
    expect(cli.code, cli.out).toBe(5);
    expect(cli.out).toMatch(/^failure_reason: log consistency: .*rewritten$/m);
  });
});
