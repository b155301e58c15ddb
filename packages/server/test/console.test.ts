import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AgentViewSchema, CreatedRunViewSchema, RunDetailsViewSchema, TrustedKeysViewSchema } from '@aos/core/contract';
import { createRun } from '@aos/core/runs';
import { enqueueRun } from '@aos/core/testing';
import { generateSigningKey, sha256Hex, signTenantCheckpoint } from '@aos/proof';
import { readSigningKeyFile, SIGNING_KEY_FILE } from '@aos/proof/node';
import { adminQuery, launchChromium, planStep, storeTestPlan, type Browser, type Page } from '@aos/testkit';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RouteDeps } from '../src/app';
import { consoleRoutes } from '../src/routes/console';
import { bearer, createAppFixture, type AppFixture } from './app-fixture';

// The web console (SPEC §15) in real headless Chromium against a real aos-server app on a
// throwaway Postgres database: what a customer sees, and that what the page calls VERIFIED was
// computed in the page, against the keys the viewer pinned.

const VERIFY_HTML = fileURLToPath(new URL('../dist/console/verify.html', import.meta.url));
const TENANT = 'acme';

describe.skipIf(!inject('aosServerAvailable') || !inject('aosBrowserAvailable'))(
  'web console in Chromium [server][browser]',
  () => {
    let t: AppFixture;
    let key: string;
    let base: string;
    let browser: Browser;
    let agentId: string;
    let serverKeys: string[];
    let multiRun: string;
    let failingRun: string;
    const echoRuns: string[] = [];
    let files: string;

    const waitForReceipt = async (runId: string) => {
      for (let i = 0; i < 300; i += 1) {
        const res = await t.app.inject({ method: 'GET', url: `/v1/runs/${runId}`, headers: bearer(key) });
        const details = RunDetailsViewSchema.parse(res.json());
        if (details.receipt !== null) return details;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`run ${runId} got no receipt within 30 s`);
    };
    const postRun = async (goal: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/runs',
        headers: bearer(key),
        payload: { agent_id: agentId, goal },
      });
      return CreatedRunViewSchema.parse(res.json()).run.id;
    };
    // A multi-step plan stored before its job is queued (the rules planner makes one-step plans of these goals).
    const plannedRun = async (goal: string, steps: ReturnType<typeof planStep>[]) => {
      const { run } = await createRun(t.admin.forTenant(TENANT), { tenantId: TENANT, agentId, goal });
      await storeTestPlan(t.admin.admin, run.id, steps);
      await enqueueRun(t.admin.forTenant(TENANT), run.id);
      return run.id;
    };

    beforeAll(async () => {
      t = await createAppFixture({ rateLimitMax: 100_000 });
      await t.tenant(TENANT);
      key = await t.key(TENANT);
      const agent = await t.app.inject({
        method: 'POST',
        url: '/v1/agents',
        headers: bearer(key),
        payload: { name: 'order-desk' },
      });
      agentId = AgentViewSchema.parse(agent.json()).id;
      multiRun = await plannedRun(
        'Process order 17',
        [
          planStep(1, 'echo', { message: 'Collect order 17' }),
          planStep(2, '__sdsr_fail_trigger__', { error_class: 'retryable', fail_until_attempt: 1, cost_cents: 3 }),
          planStep(3, 'json_transform', {
            payload: { order: { id: 17, total: 42 } },
            mapping: { total: 'order.total' },
          }),
        ].map((step, index) => (index === 1 ? { ...step, retry_count: 2 } : step)),
      );
      failingRun = await plannedRun('Notify the warehouse', [
        planStep(1, 'echo', { message: 'Warehouse, order 17 is ready' }),
        planStep(2, '__sdsr_fail_trigger__', { error_class: 'non_retryable', message: 'the warehouse refused' }),
      ]);
      for (const goal of ['echo one', 'echo two', 'echo three']) echoRuns.push(await postRun(goal));
      for (const id of [multiRun, failingRun, ...echoRuns]) await waitForReceipt(id);
      serverKeys = TrustedKeysViewSchema.parse((await t.app.inject({ method: 'GET', url: '/v1/keys' })).json()).keys;
      base = await t.app.listen({ port: 0, host: '127.0.0.1' });
      browser = await launchChromium();
      files = mkdtempSync(join(tmpdir(), 'aos-console-test-'));
    });
    afterAll(async () => {
      await browser?.close();
      await t?.destroy();
      if (files) rmSync(files, { recursive: true, force: true });
    });

    /** A new browser profile (nothing kept from another test), its page, and the page's errors and requests. */
    const open = async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('request', (request) => requests.push(request.url()));
      return { context, page, errors, requests };
    };
    const signIn = async (page: Page, apiKey = key) => {
      await page.goto(`${base}/console/`);
      await page.getByLabel('API key').fill(apiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };
    /** Signs in and pins the server's key after "checking" it, as a first visit does. */
    const signInAndPin = async (page: Page) => {
      await signIn(page);
      await expect.poll(() => page.evaluate('location.hash')).toBe('#/keys');
      // The published key's own button (it appears once /v1/keys has answered), not "Pin this key".
      await page.getByRole('button', { name: /^Pin (?!this key)/ }).click();
      await page.getByRole('link', { name: 'Keys (1 pinned)' }).waitFor();
      await page.getByRole('link', { name: 'Runs', exact: true }).click();
      await page.getByTestId('runs').waitFor();
    };
    /** `VERIFIED`, or `FAILED: <the reason the page gives>`. */
    const verdictOf = async (page: Page) => {
      const verdict = page.locator('[data-verdict="VERIFIED"], [data-verdict="FAILED"]');
      await verdict.waitFor({ timeout: 20_000 });
      if ((await verdict.getAttribute('data-verdict')) === 'VERIFIED') return 'VERIFIED';
      return `FAILED: ${await page.locator('[data-failure-reason]').innerText()}`;
    };
    const rowOf = (page: Page, runId: string) => page.locator(`tr[data-run-id="${runId}"]`);
    const storage = (page: Page, which: 'localStorage' | 'sessionStorage') =>
      page.evaluate<string>(`JSON.stringify(Object.fromEntries(Object.entries(${which})))`);
    const keptCheckpoint = async (page: Page) => {
      const slots = JSON.parse(await storage(page, 'localStorage')) as Record<string, string | undefined>;
      const kept = slots[`aos.console.checkpoint.${TENANT}`];
      return kept === undefined ? null : (JSON.parse(kept) as { note: string; size: number });
    };

    it('signs in with an API key; lists runs with status, agent, started, duration and cost; filters; pages', async () => {
      const { context, page, errors } = await open();
      await signInAndPin(page);
      const row = rowOf(page, multiRun);
      await expect.poll(() => row.locator('td').last().innerText()).toBe('6¢');
      const cells = await row.locator('td').allInnerTexts();
      expect(cells[0]).toMatch(/succeeded/);
      expect(cells[1]).toBe('Process order 17');
      expect(cells[2]).toBe('order-desk');
      expect(cells[3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(cells[4]).toMatch(/^\d+(\.\d)? (ms|s)$/);
      expect(await page.getByTestId('runs').locator('tbody tr').count()).toBe(5);
      // Spend against the tenant's (default) limits, as words and numbers, not only a bar.
      await expect.poll(() => page.getByTestId('budget').innerText()).toMatch(/Today: 6¢ of 10,000¢ \(0\.1%\)/);
      expect(await page.getByTestId('budget').innerText()).toMatch(/This hour: 6¢ of 1,000¢ \(0\.6%\)/);

      await page.getByLabel('Status').selectOption('failed');
      await page.getByRole('button', { name: 'Show' }).click();
      await expect.poll(() => page.getByTestId('runs').locator('tbody tr').count()).toBe(1);
      expect(await rowOf(page, failingRun).locator('td').first().innerText()).toMatch(/failed/);

      // Five runs, two a page: 2 + 2 + 1, newest first, each run once.
      await page.goto(`${base}/console/#/runs?limit=2`);
      const seen: string[] = [];
      for (const [index, expected] of [2, 2, 1].entries()) {
        await page
          .locator('.pager')
          .getByText(`Page ${index + 1}`)
          .waitFor();
        await expect.poll(() => page.getByTestId('runs').locator('tbody tr').count()).toBe(expected);
        seen.push(...(await page.getByTestId('runs').locator('tbody tr').evaluateAll(rowIds)));
        const next = page.getByRole('link', { name: 'Next page →' });
        if (expected === 1) expect(await next.count()).toBe(0);
        else await next.click();
      }
      expect(seen).toEqual([...echoRuns].reverse().concat([failingRun, multiRun]));
      await page.getByRole('link', { name: '← Previous page' }).click();
      await expect.poll(() => page.getByTestId('runs').locator('tbody tr').count()).toBe(2);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('a run: goal, plan, step timeline with retries grouped, receipt, and VERIFIED computed in the page', async () => {
      const { context, page, errors, requests } = await open();
      await signInAndPin(page);
      await page.getByRole('link', { name: 'Process order 17' }).click();
      expect(await verdictOf(page)).toBe('VERIFIED');
      expect(await page.getByTestId('goal').innerText()).toBe('Process order 17');
      const plan = await page.locator('ol.plan > li').allInnerTexts();
      expect(plan.map((line) => line.split(' ')[0])).toEqual(['s1', 's2', 's3']);
      // s2 failed once and succeeded on its retry: one entry, two rows inside.
      const s2 = page.locator('[data-plan-step="s2"]');
      expect(await s2.locator('summary').first().innerText()).toMatch(/2 rows/);
      expect(await s2.locator('.tries > li').evaluateAll(stepIndexes)).toEqual(['1', '2']);
      expect(await s2.locator('.tries > li').first().textContent()).toMatch(/first try/);
      expect(await s2.locator('.tries > li').last().textContent()).toMatch(/retry 1/);
      expect(await page.getByText('✓ included in the tenant log').count()).toBe(1);
      // The verdict is the page's own: the bundle was fetched, the server's verdict never asked for.
      expect(requests.some((url) => new URL(url).pathname === `/v1/runs/${multiRun}/bundle`)).toBe(true);
      expect(requests.filter((url) => /\/proof(\?|$)/.test(new URL(url).pathname))).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('a step tampered with in the database: the page shows FAILED naming that step', async () => {
      const { context, page, errors } = await open();
      await signInAndPin(page);
      await page.goto(`${base}/console/#/runs/${failingRun}`);
      expect(await verdictOf(page)).toBe('VERIFIED');
      await adminQuery(
        `BEGIN;
         SET LOCAL session_replication_role = replica;
         UPDATE aos_trace_steps SET error = 'the warehouse accepted'
           WHERE run_id = '${failingRun}' AND step_index = 1;
         COMMIT;`,
        t.database.url,
      );
      await page.reload();
      expect(await verdictOf(page)).toMatch(/^FAILED: step 1: /);
      expect(await page.locator('[data-first-bad-step]').getAttribute('data-first-bad-step')).toBe('1');
      const bad = page.locator('.tries > li.diverged');
      expect(await bad.evaluateAll(stepIndexes)).toEqual(['1']);
      expect(await bad.innerText()).toMatch(/does not verify/);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('the pinned key decides: with another key pinned, the server’s proof does not verify', async () => {
      const { context, page } = await open();
      await signIn(page);
      await expect.poll(() => page.evaluate('location.hash')).toBe('#/keys');
      await page.getByLabel('Verifier key').fill(generateSigningKey('aos.elsewhere').verifierKey);
      await page.getByRole('button', { name: 'Pin this key' }).click();
      await page.goto(`${base}/console/#/runs/${multiRun}`);
      expect(await verdictOf(page)).toMatch(/^FAILED: .*trusted key/);
      expect(await page.getByRole('status').filter({ hasText: 'you have not pinned' }).count()).toBe(1);
      await context.close();
    });

    it('tenant log: the browser keeps its checkpoint and checks the next visit’s log extends it', async () => {
      const { context, page, errors, requests } = await open();
      await signInAndPin(page);
      const card = page.getByTestId('log-status');
      await expect
        .poll(() => card.innerText())
        .toMatch(/First check from this browser: it kept the checkpoint at size 5/);
      expect(await keptCheckpoint(page)).toMatchObject({ size: 5 });

      await waitForReceipt(await postRun('echo six'));
      await page.reload();
      await expect.poll(() => card.innerText()).toMatch(/Consistent with the checkpoint you kept at size 5/);
      expect(requests.some((url) => url.endsWith('/v1/log/proof/consistency?from=5&to=6'))).toBe(true);
      expect(await keptCheckpoint(page)).toMatchObject({ size: 6 });

      // A checkpoint of another history, validly signed by the deployment's own key (an operator
      // rewriting the log): the log no longer extends it, and the page says so.
      const signingKey = (await readSigningKeyFile(join(t.home, SIGNING_KEY_FILE)))!;
      const forged = signTenantCheckpoint(signingKey, TENANT, 2, sha256Hex('another history'));
      await page.evaluate(
        `localStorage.setItem('aos.console.checkpoint.${TENANT}', ${JSON.stringify(JSON.stringify({ note: forged, size: 2, root: '', kept_at: '2026-01-01T00:00:00.000Z' }))})`,
      );
      await page.reload();
      await expect.poll(() => card.innerText()).toMatch(/INCONSISTENT/);
      expect(await card.innerText()).toMatch(/does not extend the saved one of size 2/);
      // The evidence stays kept.
      expect(await keptCheckpoint(page)).toMatchObject({ note: forged, size: 2 });
      expect(errors).toEqual([]);
      await context.close();
    });

    it('a run still on its way shows NOT VERIFIED YET, then its verdict once it is sealed', async () => {
      const { context, page, errors } = await open();
      await signInAndPin(page);
      const slow = await plannedRun('Wait for the courier', [
        planStep(1, '__sdsr_fail_trigger__', { error_class: 'none', delay_ms: 1500 }),
      ]);
      await page.goto(`${base}/console/#/runs/${slow}`);
      await page.locator('[data-verdict="PENDING"]').waitFor();
      expect(await page.locator('[data-verdict="PENDING"]').innerText()).toMatch(/NOT VERIFIED YET/);
      expect(await verdictOf(page)).toBe('VERIFIED');
      expect(errors).toEqual([]);
      await context.close();
    });

    it('the API key lives in sessionStorage only; a new tab or profile is signed out; a wrong key is one line', async () => {
      const { context, page } = await open();
      await signInAndPin(page);
      expect(await storage(page, 'sessionStorage')).toContain(key);
      expect(await storage(page, 'localStorage')).not.toContain(key);
      // Nor its secret part alone (after `aos_<prefix>_`; the secret may itself hold '_').
      const secret = key.slice(key.indexOf('_', key.indexOf('_') + 1) + 1);
      expect(secret.length).toBeGreaterThan(16);
      expect(await storage(page, 'localStorage')).not.toContain(secret);
      const tab = await context.newPage();
      await tab.goto(`${base}/console/`);
      await tab.getByLabel('API key').waitFor();
      const other = await browser.newContext();
      const fresh = await other.newPage();
      await fresh.goto(`${base}/console/`);
      await fresh.getByLabel('API key').waitFor();
      await fresh.getByLabel('API key').fill(`aos_${'a'.repeat(12)}_${'A'.repeat(43)}`);
      await fresh.getByRole('button', { name: 'Sign in' }).click();
      const alert = fresh.getByRole('alert');
      expect(await alert.innerText()).toBe('The server refused this API key: sign in again with a valid key.');
      expect(await storage(fresh, 'sessionStorage')).toBe('{}');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API key').waitFor();
      expect(await storage(page, 'sessionStorage')).toBe('{}');
      await other.close();
      await context.close();
    });

    it('the verify page from file://: VERIFIED, then FAILED for a tampered bundle, with no network request', async () => {
      const bundleText = (
        await t.app.inject({ method: 'GET', url: `/v1/runs/${multiRun}/bundle`, headers: bearer(key) })
      ).body;
      const good = join(files, 'run.bundle.json');
      writeFileSync(good, bundleText);
      const bundle = JSON.parse(bundleText) as { steps: { envelope: { outcome_data: unknown } }[] };
      bundle.steps[2]!.envelope.outcome_data = { ok: true, attempt: 99 };
      const tampered = join(files, 'tampered.bundle.json');
      writeFileSync(tampered, JSON.stringify(bundle));

      const { context, page, errors, requests } = await open();
      const sockets: string[] = [];
      page.on('websocket', (socket) => sockets.push(socket.url()));
      const url = pathToFileURL(VERIFY_HTML).href;
      await page.goto(url);
      await page.getByLabel('Verifier keys (one per line)').fill(serverKeys.join('\n'));
      await page.setInputFiles('#bundle-file', good);
      expect(await verdictOf(page)).toBe('VERIFIED');
      expect(await page.locator('h2#run-heading').innerText()).toBe('Process order 17');

      await page.setInputFiles('#bundle-file', tampered);
      await page.locator('[data-verdict="FAILED"]').waitFor();
      expect(await page.locator('[data-failure-reason]').innerText()).toMatch(/^step 2: /);
      expect(await page.locator('[data-first-bad-step]').getAttribute('data-first-bad-step')).toBe('2');

      // Dropped rather than chosen: the same check.
      const drop = await page.evaluateHandle(
        `(() => { const data = new DataTransfer(); data.items.add(new File([${JSON.stringify(bundleText)}], 'dropped.json', { type: 'application/json' })); return data; })()`,
      );
      await page.dispatchEvent('[data-testid="dropzone"]', 'drop', { dataTransfer: drop });
      await page.getByText('dropped.json, verified in this page').waitFor();
      expect(await verdictOf(page)).toBe('VERIFIED');

      // A repeated member JSON.parse would resolve silently (here with the same value, so a lax
      // reader says VERIFIED) is refused, as aos-proof verify refuses it.
      const duplicated = join(files, 'duplicated.bundle.json');
      expect(bundleText.startsWith('{"format":"aos.proof-bundle.v2",')).toBe(true);
      writeFileSync(
        duplicated,
        bundleText.replace(
          '{"format":"aos.proof-bundle.v2",',
          '{"format":"aos.proof-bundle.v2","format":"aos.proof-bundle.v2",',
        ),
      );
      await page.setInputFiles('#bundle-file', duplicated);
      await page.locator('[data-verdict="FAILED"]').waitFor();
      expect(await page.locator('[data-failure-reason]').innerText()).toContain('duplicate key "format"');

      expect(requests).toEqual([url]);
      expect(sockets).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('keyboard only: sign in, open a run from the list, expand a step; statuses are words, not colours', async () => {
      const { context, page, errors } = await open();
      await page.goto(`${base}/console/`);
      await page.evaluate(
        `localStorage.setItem('aos.console.pinned-keys', ${JSON.stringify(JSON.stringify(serverKeys))})`,
      );
      await page.reload();
      const tabTo = async (selector: string) => {
        for (let i = 0; i < 60; i += 1) {
          await page.keyboard.press('Tab');
          if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) === true`)) return;
        }
        throw new Error(`Tab never reached ${selector}`);
      };
      await tabTo('#api-key');
      await page.keyboard.type(key);
      await page.keyboard.press('Enter');
      await page.getByTestId('runs').waitFor();
      await tabTo(`a[href="#/runs/${multiRun}"]`);
      await page.keyboard.press('Enter');
      expect(await verdictOf(page)).toBe('VERIFIED');
      await tabTo('[data-plan-step="s2"] > details > summary');
      await page.keyboard.press('Enter');
      expect(await page.locator('[data-plan-step="s2"] > details').getAttribute('open')).toBe('');
      await tabTo('[data-step-index="2"] summary');
      await page.keyboard.press('Enter');
      expect(await page.locator('[data-step-index="2"] pre').first().innerText()).toMatch(/"error_class": "retryable"/);
      // Every status carries its word; the verdict is a word too.
      const labels = await page.locator('.status').allTextContents();
      expect(labels.length).toBeGreaterThan(3);
      for (const label of labels) expect(label).toMatch(/[a-z]{4,}/i);
      expect(await page.locator('#verdict-headline').innerText()).toMatch(/VERIFIED/);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('serves the console with its content types and policies; /console redirects; verify.html carries its own policy', async () => {
      const moved = await fetch(`${base}/console`, { redirect: 'manual' });
      expect(moved.status).toBe(301);
      expect(moved.headers.get('location')).toBe('/console/');
      const index = await fetch(`${base}/console/`);
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(index.headers.get('content-security-policy')).toMatch(
        /default-src 'none'; script-src 'self';.*connect-src 'self'/,
      );
      expect(index.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      const js = await fetch(`${base}/console/app.js`);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      const etag = js.headers.get('etag')!;
      expect((await fetch(`${base}/console/app.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
      expect((await fetch(`${base}/console/app.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
      const verify = await fetch(`${base}/console/verify`);
      const policy = verify.headers.get('content-security-policy') ?? '';
      expect(policy).toMatch(/connect-src 'none'/);
      expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/]{43}='/);
      const html = await verify.text();
      expect(html).toContain(`content="${policy.replace("; frame-ancestors 'none'", '')}"`);
      expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]+stylesheet|(src|href)="?https?:/);
    });
  },
);

describe('web console assets', () => {
  it('an unbuilt console answers 503 saying to run pnpm build', async () => {
    const app = Fastify();
    consoleRoutes(app, {} as RouteDeps, join(tmpdir(), 'aos-console-not-built'));
    const res = await app.inject({ method: 'GET', url: '/console/' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error: {
        code: 'CONSOLE_NOT_BUILT',
        message: 'the web console is not built: run pnpm build, then restart aos-server',
      },
    });
    await app.close();
  });
});

// Run in the page by evaluateAll: the ids and step indexes the rows carry.
function rowIds(rows: { getAttribute(name: string): string | null }[]): string[] {
  return rows.map((row) => row.getAttribute('data-run-id') ?? '');
}
function stepIndexes(items: { getAttribute(name: string): string | null }[]): string[] {
  return items.map((item) => item.getAttribute('data-step-index') ?? '');
}
