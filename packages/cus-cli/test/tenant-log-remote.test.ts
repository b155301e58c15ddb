import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { signTenantCheckpoint } from '@aos/proof';
import { loadSigningKey } from '@aos/proof/node';
import { startApiProxy, startTestAosServer, type ApiProxy, type TestAosServer } from '@aos/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogStatusJsonSchema, LogVerifyJsonSchema, ProofJsonSchema, RunCommandJsonSchema } from '../src/json-shapes';
import { main } from '../src/main';
import { bufferIo, type CliResult } from './cli-harness';

// Remote mode (SPEC §13): the client verifies the log itself against the pinned key, keeps the
// checkpoint it verified in the login profile, and catches a server that later answers with a
// different history — even one signed with the deployment's own key.
let server: TestAosServer;
let proxy: ApiProxy;
let config: string;
/** When set, the proxy answers GET /v1/log/checkpoint with this body instead of the server's. */
let forgedCheckpoint: string | null = null;

const PROFILE = 'witness';

async function cli(args: readonly string[], stdin?: string): Promise<CliResult> {
  const io = bufferIo({ XDG_CONFIG_HOME: config, HOME: config, NO_COLOR: '1' });
  const code = await main(args, stdin === undefined ? io : { ...io, stdin: Readable.from([stdin]) });
  return { code, stdout: io.out(), stderr: io.err() };
}

function json<T>(result: CliResult, schema: { parse(value: unknown): T }): T {
  expect(result.stdout.endsWith('}\n'), `${result.code} ${result.stdout} ${result.stderr}`).toBe(true);
  return schema.parse(JSON.parse(result.stdout));
}

const savedFile = (): string =>
  join(config, 'aos', 'checkpoints', 'profiles', PROFILE, `${server.tenantId}.checkpoint`);
const sizeOf = (note: string): number => Number(note.split('\n')[1]);

beforeAll(async () => {
  server = await startTestAosServer();
  proxy = await startApiProxy(server.url, (path) =>
    forgedCheckpoint !== null && path.startsWith('/v1/log/checkpoint') ? Buffer.from(forgedCheckpoint) : null,
  );
  config = mkdtempSync(join(tmpdir(), 'aos-config-log-'));
  const login = await cli(['login', '--api-url', proxy.url, '--profile', PROFILE, '--yes'], server.apiKey);
  expect(login.code, login.stderr).toBe(0);
});

afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
  if (config) rmSync(config, { recursive: true, force: true });
});

describe('remote: saved tenant checkpoints per login profile', () => {
  let agentId: string;
  const run = async (goal: string): Promise<string> => {
    const result = await cli(['run', '--json', '-a', agentId, '-g', goal]);
    return json(result, RunCommandJsonSchema).run_id;
  };

  it('proof saves the checkpoint in the profile; later proofs and log verify extend it', async () => {
    const created = await cli(['create-agent', '-n', 'log-remote']);
    agentId = /^Created agent: (\S+)$/m.exec(created.stdout)?.[1] ?? '';
    const first = await run('echo one');
    const proof = await cli(['proof', first]);
    expect(proof.code, proof.stdout + proof.stderr).toBe(0);
    expect(proof.stdout).toMatch(/^log_index: 0$/m);
    expect(statSync(savedFile()).mode & 0o777).toBe(0o600);
    expect(sizeOf(readFileSync(savedFile(), 'utf8'))).toBe(1);

    await run('echo two');
    const again = json(await cli(['proof', first, '--json']), ProofJsonSchema);
    expect(again.integrity.verification_status).toBe('VERIFIED');
    expect(again.integrity.log_inclusion).toMatchObject({ log_index: 0, consistent_from: 1 });

    await run('echo three');
    const verify = json(await cli(['log', 'verify', '--json']), LogVerifyJsonSchema);
    expect(verify).toMatchObject({ verification_status: 'VERIFIED', from_size: 2, tree_size: 3, saved: true });
    const status = json(await cli(['log', 'status', '--json']), LogStatusJsonSchema);
    expect(status).toMatchObject({ tenant_id: server.tenantId, tree_size: 3, saved: { tree_size: 3 } });
  });

  it('ATTACK: the server answers with another history of the same size, signed with its own key: exit 5, nothing saved', async () => {
    const saved = readFileSync(savedFile(), 'utf8');
    const key = await loadSigningKey({ env: { AOS_HOME: server.home } });
    const root = randomBytes(32).toString('hex');
    forgedCheckpoint = JSON.stringify({
      tenant_id: server.tenantId,
      tree_size: sizeOf(saved),
      root_hash: root,
      checkpoint: signTenantCheckpoint(key, server.tenantId, sizeOf(saved), root),
      cosigned_by: [],
    });
    try {
      const verify = await cli(['log', 'verify']);
      expect(verify.code, verify.stdout + verify.stderr).toBe(5);
      expect(verify.stdout).toMatch(/^verification_status: FAILED$/m);
      expect(verify.stdout).toMatch(/^failure_reason: log consistency: /m);
    } finally {
      forgedCheckpoint = null;
    }
    expect(readFileSync(savedFile(), 'utf8')).toBe(saved);
    // The genuine log still verifies from the saved checkpoint.
    expect((await cli(['log', 'verify'])).code).toBe(0);
  });
});
