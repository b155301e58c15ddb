import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { generateSigningKey } from '@aos/proof';
import {
  createTestDatabase,
  DATABASE_MODULES,
  recordLoadedModules,
  spawnNode,
  startApiProxy,
  startHttpPeer,
  startTestAosServer,
  type HttpPeer,
  type TestAosServer,
  type TestDatabase,
} from '@aos/testkit';
import { ErrorJsonSchema } from '@aos/proof/cli-kit/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AgentJsonSchema,
  BudgetJsonSchema,
  CreateAgentJsonSchema,
  DeleteSecretJsonSchema,
  GetRunJsonSchema,
  ListAgentsJsonSchema,
  ListRunsJsonSchema,
  ListSecretsJsonSchema,
  ListSkillsJsonSchema,
  LoginJsonSchema,
  LogoutJsonSchema,
  ProofJsonSchema,
  RunCommandJsonSchema,
  SetSecretJsonSchema,
  TrustJsonSchema,
  WhoAmIJsonSchema,
} from '../src/json-shapes';
import { main } from '../src/main';
import { BUILT, bufferIo, requireBuilt, runCli, type CliResult } from './cli-harness';

let server: TestAosServer;
let peer: HttpPeer;
let local: TestDatabase;
let config: string;
let pinned: string;
let agentId: string;

/** `cus-cli <args>` in-process in remote mode, with `stdin` when given. */
async function remoteCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<CliResult> {
  const io = bufferIo({
    AOS_API_URL: server.url,
    AOS_API_KEY: server.apiKey,
    AOS_TRUSTED_KEYS: pinned,
    XDG_CONFIG_HOME: config,
    HOME: config,
    NO_COLOR: '1',
    ...env,
  });
  const withStdin = stdin === undefined ? io : { ...io, stdin: Readable.from([stdin]) };
  const code = await main(args, withStdin);
  return { code, stdout: io.out(), stderr: io.err() };
}

const localCli = async (args: readonly string[]): Promise<CliResult> => {
  await local.release();
  return runCli(args, { ...local.env, XDG_CONFIG_HOME: config, HOME: config, NO_COLOR: '1' });
};

function parsed<T>(result: CliResult, schema: z.ZodType<T>): T {
  expect(result.stdout.endsWith('}\n'), `${result.code} ${result.stdout} ${result.stderr}`).toBe(true);
  return schema.parse(JSON.parse(result.stdout));
}

/** Every key path of a document (array elements merged), so two documents of one shape compare equal. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => keyPaths(v, `${prefix}[]`)))].sort();
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value)
    .flatMap(([key, v]) => [`${prefix}.${key}`, ...keyPaths(v, `${prefix}.${key}`)])
    .sort();
}

beforeAll(async () => {
  peer = await startHttpPeer({ routes: { '/slow': { status: 200, body: { ok: true }, delayMs: 12_000 } } });
  server = await startTestAosServer({ env: { AOS_HTTP_ALLOW_HOSTS: peer.hostPort } });
  config = mkdtempSync(join(tmpdir(), 'aos-config-'));
  const keys = await fetch(`${server.url}/v1/keys`);
  pinned = ((await keys.json()) as { current: string }).current;
  local = await createTestDatabase('embedded');
  const created = await remoteCli(['create-agent', '--json', '-n', 'remote-agent']);
  agentId = parsed(created, CreateAgentJsonSchema).agent.id;
});

afterAll(async () => {
  await server?.stop();
  await peer?.close();
  await local?.destroy();
  if (config) rmSync(config, { recursive: true, force: true });
});

describe('cus-cli --json: the same documents in local and remote mode', () => {
  it('every command prints a document of the same schema with the same keys', async () => {
    const tenant = server.tenantId;
    const localAgent = parsed(
      await localCli(['create-agent', '--json', '-n', 'local-agent', '--tenant-id', tenant]),
      CreateAgentJsonSchema,
    );
    const remoteAgent = parsed(await remoteCli(['create-agent', '--json', '-n', 'shape-agent']), CreateAgentJsonSchema);
    const pairs: [string, unknown, unknown][] = [['create-agent', localAgent, remoteAgent]];
    const both = async <T>(name: string, schema: z.ZodType<T>, local: string[], remote: string[]): Promise<[T, T]> => {
      const l = parsed(await localCli(local), schema);
      const r = parsed(await remoteCli(remote), schema);
      pairs.push([name, l, r]);
      return [l, r];
    };
    const [localRun, remoteRun] = await both(
      'run',
      RunCommandJsonSchema,
      ['run', '--json', '-a', localAgent.agent.id, '-g', 'echo shapes', '--tenant-id', tenant],
      ['run', '--json', '-a', remoteAgent.agent.id, '-g', 'echo shapes'],
    );
    expect([localRun.status, remoteRun.status]).toEqual(['succeeded', 'succeeded']);
    await both(
      'list-agents',
      ListAgentsJsonSchema,
      ['list-agents', '--json', '--tenant-id', tenant],
      ['list-agents', '--json'],
    );
    await both(
      'get-run',
      GetRunJsonSchema,
      ['get-run', localRun.run_id, '--json', '--tenant-id', tenant],
      ['get-run', remoteRun.run_id, '--json'],
    );
    await both(
      'get-run --follow',
      GetRunJsonSchema,
      ['get-run', localRun.run_id, '--follow', '--json', '--tenant-id', tenant],
      ['get-run', remoteRun.run_id, '--follow', '--json'],
    );
    await both(
      'list-runs',
      ListRunsJsonSchema,
      ['list-runs', '--json', '--tenant-id', tenant],
      ['list-runs', '--json'],
    );
    await both('list-skills', ListSkillsJsonSchema, ['list-skills', '--json'], ['list-skills', '--json']);
    for (const command of ['get-agent', 'pause-agent', 'resume-agent']) {
      const [l, r] = await both(
        command,
        AgentJsonSchema,
        [command, localAgent.agent.id, '--json', '--tenant-id', tenant],
        [command, remoteAgent.agent.id, '--json'],
      );
      expect(l.agent.status, command).toBe(r.agent.status);
    }
    // A finished run cannot be cancelled: the same refusal, code and exit in both modes.
    const localCancel = await localCli(['cancel-run', localRun.run_id, '--json', '--tenant-id', tenant]);
    const remoteCancel = await remoteCli(['cancel-run', remoteRun.run_id, '--json']);
    expect([localCancel.code, remoteCancel.code]).toEqual([2, 2]);
    expect(parsed(remoteCancel, ErrorJsonSchema).error.code).toBe(parsed(localCancel, ErrorJsonSchema).error.code);
    const [localProof, remoteProof] = await both(
      'proof',
      ProofJsonSchema,
      ['proof', localRun.run_id, '--json', '--tenant-id', tenant],
      ['proof', remoteRun.run_id, '--json'],
    );
    expect([localProof.integrity.verification_status, remoteProof.integrity.verification_status]).toEqual([
      'VERIFIED',
      'VERIFIED',
    ]);
    const setLocal = async (args: string[]) => {
      await local.release();
      const io = bufferIo({ ...local.env, NO_COLOR: '1' });
      const code = await main(args, { ...io, stdin: Readable.from(['s3cret']) });
      return { code, stdout: io.out(), stderr: io.err() };
    };
    const localSet = parsed(
      await setLocal(['secrets', 'set', 'TOKEN', '--json', '--tenant-id', tenant]),
      SetSecretJsonSchema,
    );
    const remoteSet = parsed(await remoteCli(['secrets', 'set', 'TOKEN', '--json'], {}, 's3cret'), SetSecretJsonSchema);
    pairs.push(['secrets set', localSet, remoteSet]);
    await both(
      'secrets list',
      ListSecretsJsonSchema,
      ['secrets', 'list', '--json', '--tenant-id', tenant],
      ['secrets', 'list', '--json'],
    );
    await both(
      'secrets delete',
      DeleteSecretJsonSchema,
      ['secrets', 'delete', 'TOKEN', '--json', '--tenant-id', tenant],
      ['secrets', 'delete', 'TOKEN', '--json'],
    );
    const [localBudget, remoteBudget] = await both(
      'budget',
      BudgetJsonSchema,
      ['budget', '--json', '--tenant-id', tenant],
      ['budget', '--json'],
    );
    expect(remoteBudget).toEqual(localBudget);
    const [localWho, remoteWho] = await both('whoami', WhoAmIJsonSchema, ['whoami', '--json'], ['whoami', '--json']);
    expect(localWho.mode).toBe('local');
    expect(remoteWho).toMatchObject({ mode: 'remote', tenant_id: tenant, api_url: server.url });
    const [localTrust, remoteTrust] = await both(
      'trust list',
      TrustJsonSchema,
      ['trust', 'list', '--json'],
      ['trust', 'list', '--json'],
    );
    expect(localTrust.keys.map((k) => k.source)).toEqual(['local']);
    expect(remoteTrust.keys).toEqual([{ key: pinned, source: 'env' }]);
    for (const [name, l, r] of pairs) expect(keyPaths(r), name).toEqual(keyPaths(l));
  });
});

describe('list-runs pages: the same walk in local and remote mode', () => {
  it('--limit 1 and --cursor visit every run once, newest first; the hint goes to stderr', async () => {
    const tenant = server.tenantId;
    const localAgent = parsed(
      await localCli(['create-agent', '--json', '-n', 'pages-agent', '--tenant-id', tenant]),
      CreateAgentJsonSchema,
    ).agent.id;
    const modes = {
      local: { cli: localCli, scope: ['--tenant-id', tenant], agent: localAgent },
      remote: { cli: remoteCli, scope: [], agent: agentId },
    };
    const firstPages: unknown[] = [];
    for (const [mode, { cli, scope, agent }] of Object.entries(modes)) {
      for (const goal of ['echo page one', 'echo page two']) {
        expect((await cli(['run', '--json', '-a', agent, '-g', goal, ...scope])).code, mode).toBe(0);
      }
      const everything = parsed(await cli(['list-runs', '--json', '--limit', '1000', ...scope]), ListRunsJsonSchema);
      expect(everything.next_cursor, mode).toBeNull();
      expect(everything.runs.length, mode).toBeGreaterThanOrEqual(2);
      const walked: string[] = [];
      let cursor: string[] = [];
      for (;;) {
        const page = parsed(
          await cli(['list-runs', '--json', '--limit', '1', ...cursor, ...scope]),
          ListRunsJsonSchema,
        );
        if (walked.length === 0) firstPages.push(page);
        walked.push(...page.runs.map((r) => r.id));
        if (page.next_cursor === null) break;
        cursor = ['--cursor', page.next_cursor];
      }
      expect(walked, mode).toEqual(everything.runs.map((r) => r.id));

      const human = await cli(['list-runs', '--limit', '1', ...scope]);
      expect(human.code, mode).toBe(0);
      // The whole next command, the flags given repeated (the tenant too, where one was given).
      const hint = /^Next page: cus-cli list-runs (?:.+ )?--limit 1 --cursor ([A-Za-z0-9_-]+)$/m.exec(human.stderr);
      expect(hint, `${mode}: ${human.stderr}`).not.toBeNull();
      expect(human.stdout).not.toContain('Next page');
      const second = await cli(['list-runs', '--limit', '1000', '--cursor', hint![1]!, ...scope]);
      expect(second.code, mode).toBe(0);
      expect(second.stderr, mode).not.toContain('Next page');
      expect(second.stdout, mode).toContain(everything.runs[1]!.id);
      expect(second.stdout, mode).not.toContain(everything.runs[0]!.id);

      const bad = await cli(['list-runs', '--json', '--cursor', 'not-a-cursor', ...scope]);
      expect(bad.code, mode).toBe(2);
      const { error } = parsed(bad, ErrorJsonSchema);
      expect(error.code, mode).toBe('INVALID_INPUT');
      expect(error.message, mode).toContain('cursor');
    }
    expect(keyPaths(firstPages[1])).toEqual(keyPaths(firstPages[0]));
    expect(keyPaths(firstPages[0])).toContain('.next_cursor');
  });
});

describe('remote mode refuses what it must', () => {
  const errorOf = (result: CliResult) => parsed(result, ErrorJsonSchema).error;

  it('no key, an invalid key and a revoked key: exit 6', async () => {
    const none = await remoteCli(['list-runs', '--json'], { AOS_API_KEY: '' });
    expect(none.code).toBe(6);
    expect(errorOf(none).code).toBe('UNAUTHENTICATED');
    const invalid = await remoteCli(['list-runs', '--json'], { AOS_API_KEY: 'aos_000000000000_not-a-key' });
    expect(invalid.code).toBe(6);
    const revoked = await server.createApiKey();
    expect((await remoteCli(['list-runs'], { AOS_API_KEY: revoked })).code).toBe(0);
    await server.revokeApiKey(revoked);
    const after = await remoteCli(['list-runs', '--json'], { AOS_API_KEY: revoked });
    expect(after.code).toBe(6);
    expect(errorOf(after).code).toBe('UNAUTHENTICATED');
  });

  it('a key without the scope: exit 6', async () => {
    const readOnly = await server.createApiKey({ scopes: ['runs:read'] });
    const result = await remoteCli(['run', '--json', '-a', agentId, '-g', 'echo nope'], { AOS_API_KEY: readOnly });
    expect(result.code).toBe(6);
    expect(errorOf(result).code).toBe('FORBIDDEN');
  });

  it("another tenant's run is exit 3 with the same message as a missing run", async () => {
    await server.createTenant('globex');
    const globexKey = await server.createApiKey({ tenantId: 'globex' });
    const globexAgent = parsed(
      await remoteCli(['create-agent', '--json', '-n', 'globex-agent'], { AOS_API_KEY: globexKey }),
      CreateAgentJsonSchema,
    ).agent.id;
    const theirs = parsed(
      await remoteCli(['run', '--json', '-a', globexAgent, '-g', 'echo private'], { AOS_API_KEY: globexKey }),
      RunCommandJsonSchema,
    ).run_id;
    const missing = '00000000-0000-4000-8000-000000000000';
    const foreign = await remoteCli(['get-run', theirs, '--json']);
    const absent = await remoteCli(['get-run', missing, '--json']);
    expect([foreign.code, absent.code]).toEqual([3, 3]);
    expect(errorOf(foreign).message.replace(theirs, '<id>')).toBe(errorOf(absent).message.replace(missing, '<id>'));
    expect((await remoteCli(['proof', theirs, '--json'])).code).toBe(3);
  });

  it('--tenant-id of another tenant: exit 2 and nothing sent but whoami (no run created)', async () => {
    const proxy = await startApiProxy(server.url, () => null);
    try {
      const before = parsed(await remoteCli(['list-runs', '--json', '--limit', '1000']), ListRunsJsonSchema).runs
        .length;
      const result = await remoteCli(['run', '--json', '-a', agentId, '-g', 'echo not mine', '--tenant-id', 'globex'], {
        AOS_API_URL: proxy.url,
      });
      expect(result.code).toBe(2);
      expect(errorOf(result)).toMatchObject({ code: 'INVALID_INPUT' });
      expect(proxy.requests).toEqual(['/v1/whoami']);
      const after = parsed(await remoteCli(['list-runs', '--json', '--limit', '1000']), ListRunsJsonSchema).runs.length;
      expect(after).toBe(before);
    } finally {
      await proxy.stop();
    }
  });

  it('a bundle with one byte changed in transit, or signed by an unpinned key: proof exit 5 FAILED', async () => {
    const runId = parsed(
      await remoteCli(['run', '--json', '-a', agentId, '-g', 'echo byte flip']),
      RunCommandJsonSchema,
    ).run_id;
    const proxy = await startApiProxy(server.url, (path, body) =>
      path.endsWith('/bundle') ? Buffer.from(body.toString('utf8').replace('byte flip', 'byte flap')) : null,
    );
    try {
      const tampered = await remoteCli(['proof', runId], { AOS_API_URL: proxy.url });
      expect(tampered.code).toBe(5);
      expect(tampered.stdout).toMatch(/^verification_status: FAILED$/m);
      expect(tampered.stdout).toMatch(/^failure_reason: /m);
    } finally {
      await proxy.stop();
    }
    const unpinned = await remoteCli(['proof', runId, '--json'], {
      AOS_TRUSTED_KEYS: generateSigningKey('not.the.server').verifierKey,
    });
    expect(unpinned.code).toBe(5);
    expect(parsed(unpinned, ProofJsonSchema).integrity).toMatchObject({
      verification_status: 'FAILED',
      signature_valid: false,
    });
    const genuine = await remoteCli(['proof', runId]);
    expect(genuine.code, genuine.stdout + genuine.stderr).toBe(0);
    expect(genuine.stdout).toMatch(/^verification_status: VERIFIED$/m);
  });
});

describe('login, profiles, trust', () => {
  it('login --yes pins the current key into a 0600 profile in a 0700 directory; logout removes the key', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aos-login-'));
    const env = { AOS_API_URL: '', AOS_API_KEY: '', AOS_TRUSTED_KEYS: '', XDG_CONFIG_HOME: home };
    try {
      const refused = await remoteCli(['login', '--api-url', server.url], env, `${server.apiKey}\n`);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--yes/);
      expect(readdirSync(home)).toEqual([]);
      const login = await remoteCli(['login', '--api-url', server.url, '--yes', '--json'], env, `${server.apiKey}\n`);
      const document = parsed(login, LoginJsonSchema);
      expect(document).toMatchObject({ profile: 'default', tenant_id: server.tenantId, verifier_key: pinned });
      expect(login.stderr).toContain(document.fingerprint);
      expect(statSync(join(home, 'aos')).mode & 0o777).toBe(0o700);
      expect(statSync(join(home, 'aos', 'profiles')).mode & 0o777).toBe(0o700);
      expect(statSync(document.path).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, 'aos', 'active-profile')).mode & 0o777).toBe(0o600);
      // The profile alone now selects remote mode, with its key and its pinned key.
      const who = parsed(await remoteCli(['whoami', '--json'], env), WhoAmIJsonSchema);
      expect(who).toMatchObject({ mode: 'remote', profile: 'default', tenant_id: server.tenantId });
      const runId = parsed(
        await remoteCli(['run', '--json', '-a', agentId, '-g', 'echo profile'], env),
        RunCommandJsonSchema,
      ).run_id;
      expect((await remoteCli(['proof', runId], env)).code).toBe(0);
      const other = generateSigningKey('retired.key').verifierKey;
      const added = parsed(await remoteCli(['trust', 'add', other, '--json'], env), TrustJsonSchema);
      expect(added.keys).toEqual([
        { key: pinned, source: 'profile' },
        { key: other, source: 'profile' },
      ]);
      expect((await remoteCli(['trust', 'add', 'not a key'], env)).code).toBe(2);
      const removed = parsed(await remoteCli(['trust', 'remove', pinned, '--json'], env), TrustJsonSchema);
      expect(removed.keys).toEqual([{ key: other, source: 'profile' }]);
      // With the server's key unpinned, its proofs no longer verify.
      expect((await remoteCli(['proof', runId], env)).code).toBe(5);
      const logout = parsed(await remoteCli(['logout', '--json'], env), LogoutJsonSchema);
      expect(logout).toEqual({ profile: 'default', key_removed: true });
      expect((await remoteCli(['list-runs'], env)).code).toBe(6);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('login with a key the server refuses: exit 6, no profile written', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aos-login-'));
    try {
      const result = await remoteCli(
        ['login', '--api-url', server.url, '--yes'],
        { AOS_API_URL: '', AOS_API_KEY: '', XDG_CONFIG_HOME: home },
        'aos_000000000000_wrong',
      );
      expect(result.code).toBe(6);
      expect(readdirSync(home)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('run --detach prints the run, queued, and how to follow it; get-run --follow sees it end', async () => {
    const queued = await remoteCli(['run', '-a', agentId, '-g', 'echo detached', '--detach']);
    expect(queued.code).toBe(0);
    const runId = /^Run ID: (\S+)$/m.exec(queued.stdout)?.[1] ?? '';
    expect(queued.stdout).toMatch(/^Status: queued$/m);
    expect(queued.stdout).toContain(`Follow it with: cus-cli get-run ${runId} --follow`);
    const followed = await remoteCli(['get-run', runId, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/^Status: succeeded$/m);
    expect(followed.stderr).toMatch(/s1 echo: success/);
  });

  it('--detach is refused locally (the run would execute nowhere)', async () => {
    const result = await localCli(['run', '-a', agentId, '-g', 'echo x', '--tenant-id', 't', '--detach']);
    expect(result.code).toBe(2);
  });
});

describe('the built binary in remote mode', () => {
  const env = (): Record<string, string> => ({
    AOS_API_URL: server.url,
    AOS_API_KEY: server.apiKey,
    AOS_TRUSTED_KEYS: pinned,
    XDG_CONFIG_HOME: config,
    NO_COLOR: '1',
  });

  it('loads no database driver and no kysely (run, proof, list-runs)', async () => {
    requireBuilt(BUILT.cusCli);
    const runId = parsed(
      await remoteCli(['run', '--json', '-a', agentId, '-g', 'echo modules']),
      RunCommandJsonSchema,
    ).run_id;
    for (const args of [
      ['run', '-a', agentId, '-g', 'echo loaded'],
      ['proof', runId],
      ['list-runs', '--json'],
    ]) {
      const run = await recordLoadedModules([BUILT.cusCli, ...args], { env: env() });
      expect(run.code, run.stderr).toBe(0);
      expect(run.modules.some((m) => m.includes('/core/dist/client.js'))).toBe(true);
      expect(run.modules.filter((m) => DATABASE_MODULES.test(m))).toEqual([]);
    }
    // The same recorder sees the database stack of a local command, so the check above can fail.
    const localRun = await recordLoadedModules([BUILT.cusCli, 'list-runs', '--tenant-id', 'acme'], {
      env: { ...local.env, NO_COLOR: '1' },
    });
    expect(localRun.code, localRun.stderr).toBe(0);
    expect(localRun.modules.filter((m) => DATABASE_MODULES.test(m)).length).toBeGreaterThan(0);
  });

  it('Ctrl-C while following a remote run: exit 130, the hint, and the run goes on to succeed', async () => {
    requireBuilt(BUILT.cusCli);
    const child = spawnNode([BUILT.cusCli, 'run', '-v', '-a', agentId, '-g', `fetch ${peer.url}/slow`], { env: env() });
    await child.waitForStderr('Executing...', 30_000);
    const runId = /^Run created: (\S+)$/m.exec(child.stderr())?.[1] ?? '';
    child.child.kill('SIGINT');
    const { code } = await child.exited;
    expect(code, child.stderr()).toBe(130);
    expect(child.stderr()).toContain(`Follow it with: cus-cli get-run ${runId} --follow`);
    const followed = await remoteCli(['get-run', runId, '--follow', '--json']);
    expect(parsed(followed, GetRunJsonSchema).run.status).toBe('succeeded');
  });
});
