#!/usr/bin/env node
// docs/deploy.md end to end on the local Postgres server (run `pnpm quickstart:service`, which
// builds first): the operator sets up a throwaway deployment (tools/service-sandbox.mjs: roles,
// migrations, a service login role, the signing key, `aos-server`, a tenant and its first API
// key), then a customer with only the server's URL and that key runs `login`, `create-agent`,
// `run` and `proof` with the BUILT `cus-cli`. Every command is printed before it runs. Exits
// non-zero unless the customer's own verification says `verification_status: VERIFIED`; removes
// everything it created. AOS_QUICKSTART_PG_URL names another Postgres server (an admin login).
import { DEFAULT_ADMIN_URL, openServiceSandbox, outputLine } from './service-sandbox.mjs';

const GOAL = 'Run proof v3 validation run';

let sandbox;
try {
  sandbox = await openServiceSandbox({ adminUrl: process.env.AOS_QUICKSTART_PG_URL ?? DEFAULT_ADMIN_URL, echo: true });
  const { runBin, customerEnv: env, apiKey, url } = sandbox;
  process.stdout.write('\n# The customer: no database URL, no private key; the server URL and the API key.\n');
  runBin('cus-cli', ['login', '--api-url', url, '--yes'], { env, input: apiKey });
  runBin('cus-cli', ['whoami'], { env });
  const agentId = outputLine(runBin('cus-cli', ['create-agent', '--name', 'quickstart'], { env }), 'Created agent');
  if (!agentId) throw new Error('create-agent printed no agent id');
  const runId = outputLine(
    runBin('cus-cli', ['run', '--agent-id', agentId, '--goal', GOAL, '--verbose'], { env }),
    'Run ID',
  );
  if (!runId) throw new Error('run printed no run id');
  const status = outputLine(runBin('cus-cli', ['proof', runId], { env }), 'verification_status');
  if (status !== 'VERIFIED') throw new Error(`verification_status is ${status ?? 'missing'}`);
  process.stdout.write(
    `\nquickstart:service: run ${runId} ran on aos-server and the customer's own check of its proof says VERIFIED.\n`,
  );
} catch (error) {
  process.stderr.write(`\nquickstart:service: FAILED — ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await sandbox?.close();
}
