import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { drainTenantLog, loadDeploymentSigningKey } from '@aos/core/testing';
import { ProofBundleSchema } from '@aos/proof';
import { ErrorJsonSchema } from '@aos/proof/cli-kit/schemas';
import { LogStatusJsonSchema, LogVerifyJsonSchema, ProofJsonSchema } from '../src/json-shapes';
import { cliOn, configHomeOf, createAgentViaCli, field, type CliResult } from './cli-harness';

function json<T>(result: CliResult, schema: { parse(value: unknown): T }): T {
  expect(result.stdout.endsWith('}\n'), `${result.code} ${result.stdout} ${result.stderr}`).toBe(true);
  return schema.parse(JSON.parse(result.stdout));
}

/** The files of saved checkpoints a test database's CLI calls wrote, by tenant file name. */
function savedCheckpointFile(t: TestDatabase, tenant: string): string | null {
  const local = join(configHomeOf(t), 'aos', 'checkpoints', 'local');
  let scopes: string[];
  try {
    scopes = readdirSync(local);
  } catch {
    return null;
  }
  // One local database: one scope directory.
  expect(scopes).toHaveLength(1);
  const file = join(local, scopes[0] ?? '', `${tenant}.checkpoint`);
  try {
    statSync(file);
    return file;
  } catch {
    return null;
  }
}

const sizeOf = (note: string): number => Number(note.split('\n')[1]);
const PROOF_BIN = fileURLToPath(new URL('../../proof/dist/bin.js', import.meta.url));

// SPEC §13, customers are witnesses: cus-cli keeps the newest tenant checkpoint it verified and
// requires every later proof and `log verify` to extend it, so an operator (who holds the
// signing key) who rewrites a tenant's past is caught by any customer who ever ran a proof.
describeEachDriver('cus-cli log status|verify and the saved tenant checkpoint', (t) => {
  let agentId: string;
  const agents = new Map<string, string>();

  const runIn = async (tenant: string, goal: string): Promise<string> => {
    let agent = agents.get(tenant);
    if (agent === undefined) {
      agent = await createAgentViaCli(t, ['--name', 'log', '--tenant-id', tenant]);
      agents.set(tenant, agent);
    }
    const result = await cliOn(t, ['run', '-a', agent, '-g', goal, '--tenant-id', tenant]);
    expect(result.code, result.stderr).toBe(0);
    return field(result.stdout, 'Run ID')!;
  };

  beforeAll(async () => {
    agentId = await createAgentViaCli(t, ['--name', 'log', '--tenant-id', 'log-happy']);
    agents.set('log-happy', agentId);
  });

  it('log status of a tenant with no sealed run: size 0, nothing saved; log verify FAILS (exit 5)', async () => {
    const status = await cliOn(t, ['log', 'status', '--tenant-id', 'log-empty']);
    expect(status.code, status.stderr).toBe(0);
    expect(field(status.stdout, 'tree_size')).toBe('0');
    expect(field(status.stdout, 'origin')).toBe('none');
    expect(field(status.stdout, 'saved_tree_size')).toBe('none');
    const verify = await cliOn(t, ['log', 'verify', '--tenant-id', 'log-empty']);
    expect(verify.code).toBe(5);
    expect(field(verify.stdout, 'failure_reason')).toMatch(/has no log checkpoint yet/);
    expect(savedCheckpointFile(t, 'log-empty')).toBeNull();
  });

  it('log status shows the newest checkpoint; log verify VERIFIES it and saves it (0600), then checks from it', async () => {
    const tenant = 'log-happy';
    await runIn(tenant, 'echo one');
    const status = json(await cliOn(t, ['log', 'status', '--tenant-id', tenant, '--json']), LogStatusJsonSchema);
    expect(status).toMatchObject({ tenant_id: tenant, tree_size: 1, saved: null });
    expect(status.origin).toMatch(new RegExp(`/tenants/${tenant}$`));

    const first = await cliOn(t, ['log', 'verify', '--tenant-id', tenant]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(field(first.stdout, 'verification_status')).toBe('VERIFIED');
    expect(field(first.stdout, 'tree_size')).toBe('1');
    expect(field(first.stdout, 'from_size')).toBe('none');
    expect(field(first.stdout, 'failure_reason')).toBeUndefined();
    const file = savedCheckpointFile(t, tenant);
    expect(file).not.toBeNull();
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect(readFileSync(file!, 'utf8')).toBe(status.checkpoint);
    expect(first.stderr).toContain(`Saved tenant checkpoint (log size 1) to ${file}`);

    await runIn(tenant, 'echo two');
    const second = json(await cliOn(t, ['log', 'verify', '--tenant-id', tenant, '--json']), LogVerifyJsonSchema);
    expect(second).toMatchObject({
      verification_status: 'VERIFIED',
      from_size: 1,
      tree_size: 2,
      since: { path: file, source: 'saved' },
      saved: true,
    });
    expect(sizeOf(readFileSync(file!, 'utf8'))).toBe(2);
    const after = json(await cliOn(t, ['log', 'status', '--tenant-id', tenant, '--json']), LogStatusJsonSchema);
    expect(after.saved).toEqual({ path: file, tree_size: 2 });
  });

  it('proof prints log_index and saves the checkpoint; a later proof after more runs VERIFIES from it', async () => {
    const tenant = 'log-proof';
    const runA = await runIn(tenant, 'echo a');
    const proof = await cliOn(t, ['proof', runA, '--tenant-id', tenant]);
    expect(proof.code, proof.stdout + proof.stderr).toBe(0);
    expect(field(proof.stdout, 'log_index')).toBe('0');
    // The documented order: log_index after step_count, before signature_valid.
    expect(proof.stdout).toMatch(/^step_count: 1\nlog_index: 0\nsignature_valid: true$/m);
    const file = savedCheckpointFile(t, tenant);
    expect(sizeOf(readFileSync(file!, 'utf8'))).toBe(1);

    const runB = await runIn(tenant, 'echo b');
    await runIn(tenant, 'echo c');
    const later = json(await cliOn(t, ['proof', runA, '--tenant-id', tenant, '--json']), ProofJsonSchema);
    expect(later.integrity.verification_status).toBe('VERIFIED');
    expect(later.integrity.log_inclusion).toMatchObject({ log_index: 0, tree_size: 3, consistent_from: 1 });
    expect(sizeOf(readFileSync(file!, 'utf8'))).toBe(3);

    const details = await cliOn(t, ['get-run', runB, '--tenant-id', tenant]);
    expect(field(details.stdout, 'Log index')).toBe('1');
  });

  it('proof --export asks for a bundle whose receipt proves consistency from the saved size', async () => {
    const tenant = 'log-proof';
    const runD = await runIn(tenant, 'echo d');
    const bundleFile = join(t.home, 'd.proof.json');
    const exported = await cliOn(t, ['proof', runD, '--tenant-id', tenant, '--export', bundleFile]);
    expect(exported.code, exported.stderr).toBe(0);
    const bundle = ProofBundleSchema.parse(JSON.parse(readFileSync(bundleFile, 'utf8')));
    expect(bundle.receipt?.leaf.log_index).toBe(3);
    expect(bundle.receipt?.consistency?.from_size).toBe(3);
    // The command the export suggests checks it offline against the saved checkpoint, and passes.
    const again = await cliOn(t, ['proof', runD, '--tenant-id', tenant, '--export', bundleFile, '--json']);
    const command = json(again, ProofJsonSchema).export?.verify_command ?? '';
    expect(command).toContain(`--since ${savedCheckpointFile(t, tenant)}`);
    const [npx, bin, ...args] = command.split(' ');
    expect([npx, bin]).toEqual(['npx', '@aos/proof']);
    const offline = spawnSync(process.execPath, [PROOF_BIN, ...args], { encoding: 'utf8' });
    expect(offline.status, offline.stderr).toBe(0);
    expect(offline.stdout).toMatch(/^verification_status: VERIFIED$/m);
  });

  it('log verify --since FILE checks from that checkpoint and saves nothing; a missing or garbage file is exit 2', async () => {
    const tenant = 'log-proof';
    const saved = readFileSync(savedCheckpointFile(t, tenant)!, 'utf8');
    const old = join(t.home, 'old.checkpoint');
    writeFileSync(old, saved);
    await runIn(tenant, 'echo e');
    const since = json(
      await cliOn(t, ['log', 'verify', '--tenant-id', tenant, '--since', old, '--json']),
      LogVerifyJsonSchema,
    );
    expect(since).toMatchObject({ verification_status: 'VERIFIED', from_size: 4, tree_size: 5, saved: false });
    expect(since.since).toEqual({ path: old, source: 'file' });
    expect(readFileSync(savedCheckpointFile(t, tenant)!, 'utf8')).toBe(saved);

    const garbage = join(t.home, 'garbage.checkpoint');
    writeFileSync(garbage, 'not a checkpoint\n');
    for (const file of [join(t.home, 'missing.checkpoint'), garbage]) {
      const result = await cliOn(t, ['log', 'verify', '--tenant-id', tenant, '--since', file]);
      expect(result.code, file).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/--since: /);
      const asJson = json(
        await cliOn(t, ['log', 'verify', '--tenant-id', tenant, '--since', file, '--json']),
        ErrorJsonSchema,
      );
      expect(asJson.error.code).toBe('INVALID_INPUT');
    }
    const noTenant = await cliOn(t, ['log', 'verify']);
    expect(noTenant.code).toBe(2);
    expect(noTenant.stderr).toMatch(/Missing required argument: tenant-id/);
  });

  it('ATTACK: the operator deletes a run and re-signs a rebuilt log: log verify and proof exit 5, the saved checkpoint stays', async () => {
    const tenant = 'log-victim';
    const deleted = await runIn(tenant, 'echo embarrassing');
    const kept = [await runIn(tenant, 'echo two'), await runIn(tenant, 'echo three')];
    expect((await cliOn(t, ['proof', kept[1]!, '--tenant-id', tenant])).code).toBe(0);
    const file = savedCheckpointFile(t, tenant)!;
    const saved = readFileSync(file, 'utf8');
    expect(sizeOf(saved)).toBe(3);

    // The operator holds the signing key and the database: drop the run and the whole log, then
    // sequence what is left again and sign it — a log with no trace of the deleted run, every
    // checkpoint validly signed.
    await t.tamper(async (trx) => {
      for (const table of [
        'tenant_log_cosignatures',
        'tenant_log_checkpoints',
        'tenant_log_nodes',
        'tenant_log_leaves',
        'tenant_log_queue',
      ] as const) {
        await trx.deleteFrom(table).where('tenant_id', '=', tenant).execute();
      }
      await trx.deleteFrom('aos_trace_steps').where('run_id', '=', deleted).execute();
      await trx.deleteFrom('aos_traces').where('run_id', '=', deleted).execute();
      await trx.deleteFrom('runs').where('id', '=', deleted).execute();
      const traces = await trx
        .selectFrom('aos_traces')
        .select(['trace_id', 'sealed_at'])
        .where('run_id', 'in', kept)
        .execute();
      await trx
        .insertInto('tenant_log_queue')
        .values(traces.map((trace) => ({ trace_id: trace.trace_id, tenant_id: tenant, sealed_at: trace.sealed_at! })))
        .execute();
    });
    const signingKey = await loadDeploymentSigningKey(t.env);
    const batches = await drainTenantLog(await t.tenantDb(tenant), tenant, {
      signingKey,
      trustedKeys: [signingKey.verifierKey],
    });
    expect(batches.at(-1)?.treeSize).toBe(2);
    await t.release();
    // A new run brings the rewritten log back to the saved size, under a different root.
    const fresh = await runIn(tenant, 'echo after the rewrite');

    const verify = await cliOn(t, ['log', 'verify', '--tenant-id', tenant]);
    expect(verify.code, verify.stdout).toBe(5);
    expect(field(verify.stdout, 'verification_status')).toBe('FAILED');
    expect(field(verify.stdout, 'from_size')).toBe('3');
    expect(field(verify.stdout, 'failure_reason')).toMatch(/^log consistency: /);

    for (const runId of [fresh, kept[0]!]) {
      const proof = await cliOn(t, ['proof', runId, '--tenant-id', tenant]);
      expect(proof.code, proof.stdout).toBe(5);
      expect(field(proof.stdout, 'verification_status')).toBe('FAILED');
      expect(field(proof.stdout, 'failure_reason')).toMatch(/log consistency: /);
    }
    expect(readFileSync(file, 'utf8')).toBe(saved);

    // Without the saved checkpoint nothing shows: the rewritten log is valid on its own.
    const stranger = await cliOn(t, ['log', 'verify', '--tenant-id', tenant], {
      XDG_CONFIG_HOME: join(t.home, 'stranger'),
    });
    expect(stranger.code, stranger.stdout).toBe(0);
  });
});
