// Service figures (issue 12): `cus-cli run` in remote mode against a local `aos-server` (one echo
// step, loopback; spawn to exit, median), next to the same command's `--help` start-up, and the
// API's throughput — `POST /v1/runs` until the run is sealed, runs/s at 1, 4 and 16 concurrent
// clients. The deployment is tools/service-sandbox.mjs (roles, least-privilege login, signing
// key, tenant and API key) on the local Postgres server.
import { openServiceSandbox } from '../tools/service-sandbox.mjs';
import { CUS_CLI_BIN, figure, loadPg, median, progress, runProcess, SERVER_ADMIN_URL } from './bench-kit.mjs';

const CLIENTS = [1, 4, 16];
const GOAL = 'echo bench';

async function api(url, apiKey, path, init = {}) {
  const response = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...init.headers },
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Creates one run and waits, on its event stream, for the `end` event: sent once the run is
 * terminal and its trace sealed.
 */
async function runToSeal(url, apiKey, agentId) {
  const { run } = await api(url, apiKey, '/v1/runs', {
    method: 'POST',
    body: JSON.stringify({ agent_id: agentId, goal: GOAL, origin_system_id: 'bench' }),
  });
  const response = await fetch(`${url}/v1/runs/${run.id}/events`, {
    headers: { authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' },
  });
  if (!response.ok) throw new Error(`GET /v1/runs/${run.id}/events: ${response.status}`);
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    text += decoder.decode(chunk, { stream: true });
    const end = /event: end\ndata: (.*)\n/.exec(text);
    if (end) {
      const { run: ended } = JSON.parse(end[1]);
      if (ended.status !== 'succeeded') throw new Error(`run ${run.id} ended ${ended.status}`);
      return;
    }
  }
  throw new Error(`the event stream of run ${run.id} ended without an end event`);
}

async function throughput(url, apiKey, agentId, clients, runs) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < runs) {
        next += 1;
        await runToSeal(url, apiKey, agentId);
      }
    }),
  );
  return runs / ((performance.now() - t0) / 1000);
}

/**
 * Seal lag (SPEC §13) over every run of the measurements above: from the run's completion (its
 * trace's seal, written in the same transaction) to the first signed tenant checkpoint that
 * covers its leaf — both database timestamps, so one clock.
 */
async function sealLag(adminDatabaseUrl) {
  const pg = loadPg();
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`
      SELECT extract(epoch FROM (
               (SELECT min(c.created_at) FROM tenant_log_checkpoints c
                 WHERE c.tenant_id = l.tenant_id AND c.tree_size > l.log_index) - t.sealed_at)) * 1000 AS lag_ms
        FROM tenant_log_leaves l JOIN aos_traces t ON t.trace_id = l.trace_id`);
    const lags = rows.map((r) => Number(r.lag_ms)).sort((a, b) => a - b);
    const at = (q) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? Number.NaN;
    const { rows: sizes } = await client.query(
      'SELECT count(*)::int AS checkpoints, max(tree_size)::int AS leaves FROM tenant_log_checkpoints',
    );
    progress(`service: seal lag p50 ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms over ${lags.length} runs`);
    return figure({
      name: 'tlog_seal_lag',
      value: at(0.95),
      unit: 'ms (p95)',
      reference: { name: 'p50', value: at(0.5), unit: 'ms' },
      ratio: null,
      goal: 'p95 <= 1000 ms',
      met: at(0.95) <= 1000,
      notes:
        `From a run's seal to the first tenant checkpoint covering it, over the ${lags.length} runs above ` +
        `(${sizes[0].checkpoints} checkpoints for ${sizes[0].leaves} leaves: batching); the server's background ` +
        `sequencer polls every 100 ms and is woken by each seal.`,
      extra: { p50: at(0.5), p95: at(0.95), max: lags.at(-1), runs: lags.length },
    });
  } finally {
    await client.end();
  }
}

export async function measureService({ quick }) {
  // The per-key rate limit would otherwise be what is measured.
  const sandbox = await openServiceSandbox({
    adminUrl: SERVER_ADMIN_URL,
    serverEnv: { AOS_RATE_LIMIT_MAX: '1000000' },
  });
  try {
    const { url, apiKey, customerEnv, runBin } = sandbox;
    const { current } = await (await fetch(`${url}/v1/keys`)).json();
    const env = {
      ...process.env,
      ...customerEnv,
      NO_COLOR: '1',
      AOS_API_URL: url,
      AOS_API_KEY: apiKey,
      AOS_TRUSTED_KEYS: current,
    };
    const agentId = /^Created agent: (\S+)$/m.exec(
      runBin('cus-cli', ['create-agent', '--name', 'bench'], { env }),
    )?.[1];
    if (!agentId) throw new Error('create-agent printed no agent id');

    const samples = quick ? 3 : 15;
    const runMs = [];
    const helpMs = [];
    for (let i = 0; i < samples; i += 1) {
      const help = await runProcess(process.execPath, [CUS_CLI_BIN, '--help'], { env });
      const run = await runProcess(process.execPath, [CUS_CLI_BIN, 'run', '-a', agentId, '-g', GOAL], { env });
      if (run.code !== 0) throw new Error(`cus-cli run (remote) exited ${run.code}: ${run.stderr.slice(0, 400)}`);
      helpMs.push(help.ms);
      runMs.push(run.ms);
    }
    progress(`service: cus-cli run remote median ${Math.round(median(runMs))} ms over ${samples}`);
    const figures = [
      figure({
        name: 'cli_run_remote',
        value: median(runMs),
        unit: 'ms',
        reference: { name: 'cus-cli --help (same env)', value: median(helpMs), unit: 'ms' },
        ratio: median(runMs) / median(helpMs),
        notes: `median of ${samples} spawns of cus-cli run (one echo step) against aos-server on loopback, until sealed and reported`,
      }),
    ];

    const runsPerLevel = quick ? 8 : 60;
    for (const clients of CLIENTS) {
      await throughput(url, apiKey, agentId, clients, Math.min(clients, 4)); // warm-up
      const rate = await throughput(url, apiKey, agentId, clients, Math.max(runsPerLevel, clients * 2));
      progress(`service: ${clients} clients → ${rate.toFixed(1)} runs/s`);
      figures.push(
        figure({
          name: `api_runs_sealed_c${clients}`,
          value: rate,
          unit: 'runs/s',
          reference: null,
          ratio: null,
          notes: `POST /v1/runs then its event stream until "end" (terminal and sealed), ${clients} concurrent clients, one echo step per run; the server executes in-process`,
        }),
      );
    }
    figures.push(await sealLag(sandbox.adminDatabaseUrl));
    return { figures };
  } finally {
    await sandbox.close();
  }
}
