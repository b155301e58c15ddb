import { setTimeout as sleep } from 'node:timers/promises';
import { createSkillRegistry, getTenantQuota, recordAndReadCostEvent, type CliIo, type ExitCode } from '@aos/core';
import { canonicalize, sha256Hex } from '@aos/proof';
import { z } from 'zod';
import { parseFlags, type GlobalOptions } from '../flags';
import type { DemoJson } from '../json-shapes';
import { demoRenderer, writeDocument } from '../render';
import { withStore } from '../store';

/** The tenant the demo reads and charges. */
export const DEMO_TENANT = 'demo';
/** What the demo's cost event charges the demo tenant, in cents. */
export const DEMO_COST_CENTS = 1;
const PAUSE_MS = 400;
const QUICK_SKILL_NAMES = 5;
// json_transform never reads these, but its context requires them: the demo calls the skill
// directly, outside any run, and creates none.
const NO_RUN = '00000000-0000-0000-0000-000000000000';

const TRANSFORM_INPUT = {
  payload: {
    order: {
      id: 'A-1001',
      customer: { name: 'Ada Lovelace' },
      items: [
        { sku: 'ENGINE-1', qty: 2 },
        { sku: 'CARD-7', qty: 1 },
      ],
    },
  },
  mapping: {
    order_id: 'order.id',
    customer: 'order.customer.name',
    first_sku: 'order.items[0].sku',
    coupon: 'order.coupon',
  },
  defaults: { coupon: 'none' },
};

/** What `--quick` leaves out; the five checks always run. */
export const DROPPED_BY_QUICK = [
  `pauses between steps (${PAUSE_MS} ms each)`,
  `skill names after the first ${QUICK_SKILL_NAMES}`,
  'the json_transform input and output',
];

const NEXT_COMMANDS = [
  `npx @aos/cus-cli create-agent --name demo-agent --tenant-id ${DEMO_TENANT}`,
  `npx @aos/cus-cli run --agent-id <id printed by create-agent> --tenant-id ${DEMO_TENANT} --goal "echo hello from the demo" --verbose`,
  `npx @aos/cus-cli proof <run id printed by run> --tenant-id ${DEMO_TENANT}`,
];

/** `int-cli demo [--quick]`: five steps, each printing only values it just read or measured. */
export async function runDemo(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const { quick } = parseFlags(z.object({ quick: z.boolean() }), args);
  const started = performance.now();
  const render = demoRenderer(io, quick);
  const say = (text: string): void => {
    if (!g.json) io.stdout.write(text);
  };
  let pausedMs = 0;
  const pause = async (): Promise<void> => {
    if (quick || g.json) return;
    const before = performance.now();
    await sleep(PAUSE_MS);
    pausedMs += performance.now() - before;
  };

  const document = await withStore(g, io, async (store) => {
    const storeOpenMs = performance.now() - started;
    say(render.header(store, storeOpenMs));

    const registry = createSkillRegistry();
    const allNames = registry.list().map((skill) => skill.name);
    const skills = { count: allNames.length, names: quick ? allNames.slice(0, QUICK_SKILL_NAMES) : allNames };
    say(render.skills(skills));
    await pause();

    const quota = await getTenantQuota(store.db, DEMO_TENANT);
    say(render.quota(quota));
    await pause();

    const skill = registry.require('json_transform');
    const outputs = [];
    for (let i = 0; i < 2; i += 1) {
      const result = await skill.execute(skill.inputSchema.parse(TRANSFORM_INPUT), {
        tenantId: DEMO_TENANT,
        runId: NO_RUN,
        agentId: NO_RUN,
        attempt: 1,
        db: store.db,
        env: io.env,
        signal: new AbortController().signal,
        timeoutMs: skill.defaultTimeoutMs,
      });
      outputs.push(result.output);
    }
    const hashes = outputs.map((output) => sha256Hex(canonicalize(output))) as [string, string];
    const determinism = {
      skill: 'json_transform' as const,
      input: quick ? null : TRANSFORM_INPUT,
      output: quick ? null : (outputs[0] ?? null),
      hashes,
      deterministic: hashes[0] === hashes[1],
    };
    say(render.determinism(determinism));
    await pause();

    const cost = await recordAndReadCostEvent(store.db, { tenantId: DEMO_TENANT, costCents: DEMO_COST_CENTS });
    const costJson = {
      event_id: cost.event.id,
      tenant_id: cost.event.tenant_id,
      cost_cents: cost.event.cost_cents,
      created_at: cost.event.created_at.toISOString(),
      daily_spend_cents: cost.spend.daily,
      hourly_spend_cents: cost.spend.hourly,
      alerts: cost.alerts.map((a) => ({
        id: a.id,
        level: a.level,
        period: a.period,
        message: a.message,
        spend_cents: a.spend_cents,
        limit_cents: a.limit_cents,
      })),
    };
    say(render.cost(costJson, quota.daily_limit_cents));

    const totalMs = performance.now() - started;
    const timing = { total_ms: round(totalMs), store_open_ms: round(storeOpenMs), paused_ms: round(pausedMs) };
    say(render.timing(timing));
    say(render.next(NEXT_COMMANDS, quick ? DROPPED_BY_QUICK : []));
    const json: DemoJson = {
      quick,
      store: { driver: store.driver, location: store.location },
      skills,
      quota,
      determinism,
      cost: costJson,
      timing,
      dropped_by_quick: quick ? DROPPED_BY_QUICK : [],
      next_commands: NEXT_COMMANDS,
    };
    return json;
  });
  if (g.json) writeDocument(io, document);
  return document.determinism.deterministic ? 0 : 1;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
