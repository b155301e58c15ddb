#!/usr/bin/env node
// `pnpm screenshots`: regenerates docs/img/console-run.png and docs/img/console-verify.png from
// the BUILT packages. A throwaway deployment (tools/service-sandbox.mjs) runs a real three-step
// run — an HTTP fetch that fails once and is retried, a transform, an LLM call — against local
// peers started here; then headless Chromium (Debian's, through playwright-core) signs in to the
// console, pins the deployment's key, opens the run and the verify page, and takes the pictures.
// AOS_CHROMIUM names another Chromium; AOS_QUICKSTART_PG_URL another Postgres server.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_ADMIN_URL, openServiceSandbox } from './service-sandbox.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'docs', 'img');
const consoleDir = join(root, 'packages', 'server', 'dist', 'console');
// playwright-core is the test kit's dependency.
const { chromium } = createRequire(join(root, 'tools', 'testkit', 'package.json'))('playwright-core');

const INCIDENT = {
  id: 42,
  title: 'Checkout latency above 2 s in eu-west',
  opened_at: '2026-02-09T08:12:00Z',
  status: 'resolved',
  timeline: [
    'Deploy 7f3c rolled out to eu-west',
    'p99 checkout latency rose from 380 ms to 2.4 s',
    'Connection pool exhausted on payments-db replica',
    'Pool size raised from 20 to 60; latency back to 390 ms',
  ],
};
const SUMMARY =
  'Deploy 7f3c exhausted the payments-db replica connection pool in eu-west, pushing p99 checkout ' +
  'latency to 2.4 s. Raising the pool from 20 to 60 connections restored 390 ms. Follow-up: alert on pool saturation.';

/** The fetched report (503 on the first request, so the run shows a retried step) and an OpenAI-compatible chat peer. */
async function startPeers() {
  let reportRequests = 0;
  const server = createServer((request, response) => {
    const send = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && request.url === '/incidents/42') {
      reportRequests += 1;
      return reportRequests === 1 ? send(503, { error: 'warming up' }) : send(200, INCIDENT);
    }
    if (request.method === 'POST' && request.url === '/v1/chat/completions') {
      request.resume();
      return request.on('end', () =>
        send(200, {
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: 'aos-demo',
          choices: [{ index: 0, message: { role: 'assistant', content: SUMMARY }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 412, completion_tokens: 58, total_tokens: 470 },
        }),
      );
    }
    return send(404, { error: 'not found' });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, host: `127.0.0.1:${server.address().port}` };
}

async function api(url, apiKey, path, init = {}) {
  const response = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** Creates a run and waits until it is sealed into its tenant log (it has a receipt). */
async function runToReceipt(sandbox, agentId, goal) {
  const { url, apiKey } = sandbox;
  const { run } = await api(url, apiKey, '/v1/runs', {
    method: 'POST',
    body: JSON.stringify({ agent_id: agentId, goal }),
  });
  for (let i = 0; i < 300; i += 1) {
    const details = await api(url, apiKey, `/v1/runs/${run.id}`);
    if (details.receipt !== null) return details;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${run.id} (${goal}) got no receipt within 30 s`);
}

const executablePath = process.env.AOS_CHROMIUM?.trim() || '/usr/bin/chromium';
let sandbox;
let peers;
let browser;
const scratch = mkdtempSync(join(tmpdir(), 'aos-screenshots-'));
try {
  if (!existsSync(join(consoleDir, 'verify.html')))
    throw new Error(`${consoleDir} is missing; build first (pnpm build)`);
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install -y chromium`);
  peers = await startPeers();
  sandbox = await openServiceSandbox({
    adminUrl: process.env.AOS_QUICKSTART_PG_URL ?? DEFAULT_ADMIN_URL,
    serverEnv: {
      AOS_HTTP_ALLOW_HOSTS: peers.host,
      AOS_LLM_BASE_URL: `http://${peers.host}/v1`,
      AOS_LLM_MODEL: 'aos-demo',
      AOS_LLM_PRICE_CENTS_PER_1K_TOKENS: '5',
    },
  });
  const { url, apiKey } = sandbox;
  const agent = await api(url, apiKey, '/v1/agents', {
    method: 'POST',
    body: JSON.stringify({ name: 'incident-desk', description: 'Summarises incident reports' }),
  });
  for (const goal of ['echo nightly report sent', 'echo on-call handover noted'])
    await runToReceipt(sandbox, agent.id, goal);
  const goal = `Summarize the incident report at http://${peers.host}/incidents/42`;
  const run = (await runToReceipt(sandbox, agent.id, goal)).run;
  const { keys } = await api(url, apiKey, '/v1/keys');

  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(`${url}/console/`);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: /^Pin (?!this key)/ }).click();
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await page.getByTestId('log-status').getByText('First check from this browser').waitFor();
  // One more run after the browser kept a checkpoint: the run page then shows the log extending it.
  await runToReceipt(sandbox, agent.id, 'echo incident 42 closed');
  await page.goto(`${url}/console/#/runs/${run.id}`);
  await page.locator('[data-verdict="VERIFIED"]').waitFor({ timeout: 20_000 });
  // The retried fetch, open at its failed first try (the 503).
  await page.locator('[data-plan-step="s1"] > details > summary').click();
  await page.locator('[data-plan-step="s1"] .tries > li').nth(1).locator('summary').click();
  await page.mouse.move(0, 0);
  mkdirSync(out, { recursive: true });
  await page.screenshot({ path: join(out, 'console-run.png'), fullPage: true });

  const bundle = join(scratch, `run-${run.id}.bundle.json`);
  writeFileSync(
    bundle,
    await (await fetch(`${url}/v1/runs/${run.id}/bundle`, { headers: { authorization: `Bearer ${apiKey}` } })).text(),
  );
  const verify = await context.newPage();
  await verify.goto(pathToFileURL(join(consoleDir, 'verify.html')).href);
  await verify.getByLabel('Verifier keys (one per line)').fill(keys.join('\n'));
  await verify.setInputFiles('#bundle-file', bundle);
  await verify.locator('[data-verdict="VERIFIED"]').waitFor();
  await verify.evaluate('document.activeElement?.blur()');
  await verify.screenshot({ path: join(out, 'console-verify.png'), fullPage: true });
  process.stdout.write(
    `screenshots: wrote ${join('docs', 'img', 'console-run.png')} and ${join('docs', 'img', 'console-verify.png')}\n`,
  );
} catch (error) {
  process.stderr.write(`screenshots: FAILED — ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  await sandbox?.close();
  peers?.server.close();
  rmSync(scratch, { recursive: true, force: true });
}
