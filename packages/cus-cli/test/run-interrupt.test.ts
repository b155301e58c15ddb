import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AOS_SERVER_BIN,
  describeEachDriver,
  spawnNode,
  startHttpPeer,
  startTestAosServer,
  type HttpPeer,
  type RunningChild,
  type TestAosServer,
} from '@aos/testkit';
import { BUILT, cliOn, configHomeOf, createAgentViaCli, field, requireBuilt } from './cli-harness';

const RUN_CREATED = /^Run created: ([0-9a-f-]{36})$/m;

describeEachDriver('cus-cli run: Ctrl-C halts a local run, sealed and verifiable', (t) => {
  const tenant = `tenant-${randomUUID()}`;
  let agentId: string;
  let peer: HttpPeer;
  beforeAll(async () => {
    requireBuilt(BUILT.cusCli);
    peer = await startHttpPeer({
      routes: {
        'GET /slow': { status: 200, body: { ok: true }, delayMs: 1500 },
        'GET /stuck': { status: 200, body: { ok: true }, delayMs: 30_000 },
        'GET /busy': { status: 503, body: { error: 'busy' } },
      },
    });
    agentId = await createAgentViaCli(t, ['--name', 'interrupts', '--tenant-id', tenant]);
  });
  afterAll(() => peer.close());

  /** The built cus-cli running `goal`; DATABASE_URL is emptied for the embedded driver so the parent's never leaks in. */
  const start = async (goal: string): Promise<RunningChild> => {
    await t.release();
    return spawnNode([BUILT.cusCli, 'run', '-a', agentId, '-g', goal, '--tenant-id', tenant], {
      env: {
        DATABASE_URL: '',
        NO_COLOR: '1',
        XDG_CONFIG_HOME: configHomeOf(t),
        AOS_HTTP_ALLOW_HOSTS: peer.hostPort,
        ...t.env,
      },
    });
  };

  /** The run is halted by the user, its trace sealed, and its proof VERIFIED. */
  const expectHaltedAndVerified = async (runId: string): Promise<void> => {
    const details = await cliOn(t, ['get-run', runId, '--tenant-id', tenant, '--json']);
    expect(details.code, details.stderr).toBe(0);
    const view = JSON.parse(details.stdout) as {
      run: { status: string; error_message: string | null };
      trace: { sealed_at: string | null; status: string } | null;
    };
    expect(view.run.status).toBe('halted');
    expect(view.run.error_message).toBe('interrupted by the user');
    expect(view.trace?.sealed_at).not.toBeNull();
    const proof = await cliOn(t, ['proof', runId, '--tenant-id', tenant]);
    expect(proof.code, proof.stdout + proof.stderr).toBe(0);
    expect(field(proof.stdout, 'verification_status')).toBe('VERIFIED');
  };

  it('during a step: the step finishes, the run halts before the next one, exit 130 with the run id and the proof command', async () => {
    // analyze + URL: fetch (slow), then json_transform and llm_invoke, which must not run.
    const child = await start(`analyze ${peer.url}/slow`);
    await child.waitForStderr('Run created: ');
    const runId = RUN_CREATED.exec(child.stderr())![1]!;
    while (peer.hits('/slow') === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    child.child.kill('SIGINT');
    const { code } = await child.exited;
    expect(code, child.stderr()).toBe(130);
    expect(child.stderr()).toContain(`Interrupted: finishing the current step of run ${runId}`);
    expect(child.stderr()).toContain(`See its proof with: cus-cli proof ${runId} --tenant-id ${tenant}`);
    expect(field(child.stdout(), 'Run ID')).toBe(runId);
    expect(field(child.stdout(), 'Status')).toBe('halted');
    expect(field(child.stdout(), 'Steps executed')).toBe('2'); // s1's started and outcome rows
    await expectHaltedAndVerified(runId);
  }, 60_000);

  it('during the wait before a retry: the run halts at once without another step', async () => {
    const child = await start(`fetch ${peer.url}/busy`);
    await child.waitForStderr('Retrying the run in ');
    const runId = RUN_CREATED.exec(child.stderr())![1]!;
    const hits = peer.hits('/busy');
    const sent = Date.now();
    child.child.kill('SIGINT');
    const { code } = await child.exited;
    expect(code, child.stderr()).toBe(130);
    // Well before the 5 s wait would have ended, and nothing more was sent to the peer.
    expect(Date.now() - sent).toBeLessThan(4000);
    expect(peer.hits('/busy')).toBe(hits);
    expect(field(child.stdout(), 'Status')).toBe('halted');
    await expectHaltedAndVerified(runId);
  }, 60_000);

  it('a second Ctrl-C exits at once with 130, naming the run it leaves', async () => {
    const child = await start(`fetch ${peer.url}/stuck`);
    await child.waitForStderr('Run created: ');
    const runId = RUN_CREATED.exec(child.stderr())![1]!;
    while (peer.hits('/stuck') === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    child.child.kill('SIGINT');
    await child.waitForStderr('Interrupted: finishing the current step');
    const sent = Date.now();
    child.child.kill('SIGINT');
    const { code } = await child.exited;
    expect(code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(3000);
    expect(child.stderr()).toContain(`Interrupted again: run ${runId} is left as it is; int-cli recover finishes it`);
    const details = await cliOn(t, ['get-run', runId, '--tenant-id', tenant, '--json']);
    expect((JSON.parse(details.stdout) as { run: { status: string } }).run.status).toBe('running');
  }, 60_000);
});

describe('cus-cli run, remote: Ctrl-C stops following and the run goes on on the server', () => {
  let server: TestAosServer;
  let peer: HttpPeer;
  let agentId: string;
  beforeAll(async () => {
    requireBuilt(BUILT.cusCli, AOS_SERVER_BIN);
    peer = await startHttpPeer({ routes: { 'GET /slow': { status: 200, body: { ok: true }, delayMs: 3000 } } });
    server = await startTestAosServer({ env: { AOS_HTTP_ALLOW_HOSTS: peer.hostPort } });
    const created = await fetch(`${server.url}/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'remote-interrupts' }),
    });
    agentId = ((await created.json()) as { id: string }).id;
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await peer?.close();
  });

  it('prints the run id and how to follow it, exits 130, and the server finishes the run', async () => {
    const child = spawnNode([BUILT.cusCli, 'run', '-a', agentId, '-g', `fetch ${peer.url}/slow`], {
      env: { AOS_API_URL: server.url, AOS_API_KEY: server.apiKey, NO_COLOR: '1', DATABASE_URL: '' },
    });
    await child.waitForStderr('Run created: ');
    const runId = RUN_CREATED.exec(child.stderr())![1]!;
    child.child.kill('SIGINT');
    const { code } = await child.exited;
    expect(code, child.stderr()).toBe(130);
    expect(child.stderr()).toContain(`Stopped following. Run ${runId} keeps going on the server.`);
    expect(child.stderr()).toContain(`Follow it with: cus-cli get-run ${runId} --follow`);
    let status = '';
    for (let i = 0; i < 100 && status !== 'succeeded'; i += 1) {
      const answer = await fetch(`${server.url}/v1/runs/${runId}`, {
        headers: { authorization: `Bearer ${server.apiKey}` },
      });
      status = ((await answer.json()) as { run: { status: string } }).run.status;
      if (status !== 'succeeded') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe('succeeded');
  }, 60_000);
});
