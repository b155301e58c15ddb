import { setTimeout as sleep } from 'node:timers/promises';
import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { withOps } from '@aos/core/ops';
import { z } from 'zod';
import { parseFlags, type GlobalOptions } from '../flags';
import type { DemoJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { demoRenderer, writeDocument } from '../render';

/** The tenant the demo reads and charges. */
export const DEMO_TENANT = 'demo';
/** What the demo's cost event charges the demo tenant, in cents. */
export const DEMO_COST_CENTS = 1;
const PAUSE_MS = 400;
const QUICK_SKILL_NAMES = 5;

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

  const document = await withOps(opsConfig(g, io), async (ops): Promise<DemoJson> => {
    // Opened before step 1, so the header can say how long opening (and first use: creating and
    // migrating the store) took.
    await ops.connect();
    const storeOpenMs = performance.now() - started;
    const store = { driver: ops.store.driver, location: ops.store.location };
    say(render.header(store, storeOpenMs));

    const allNames = (await ops.skills.list()).map((skill) => skill.name);
    const skills = { count: allNames.length, names: quick ? allNames.slice(0, QUICK_SKILL_NAMES) : allNames };
    say(render.skills(skills));
    await pause();

    const { quota } = await ops.quotas.get(DEMO_TENANT);
    say(render.quota(quota));
    await pause();

    // json_transform runs directly through the skill registry: no run is created.
    const check = await ops.demo.checkDeterminism({ tenantId: DEMO_TENANT, input: TRANSFORM_INPUT });
    const determinism = {
      skill: check.skill,
      input: quick ? null : TRANSFORM_INPUT,
      output: quick ? null : check.outputs[0],
      hashes: check.hashes,
      deterministic: check.deterministic,
    };
    say(render.determinism(determinism));
    await pause();

    const cost = await ops.demo.recordCostEvent({ tenantId: DEMO_TENANT, costCents: DEMO_COST_CENTS });
    say(render.cost(cost, quota.daily_limit_cents));

    const totalMs = performance.now() - started;
    const timing = { total_ms: round(totalMs), store_open_ms: round(storeOpenMs), paused_ms: round(pausedMs) };
    say(render.timing(timing));
    say(render.next(NEXT_COMMANDS, quick ? DROPPED_BY_QUICK : []));
    return {
      quick,
      store,
      skills,
      quota,
      determinism,
      cost,
      timing,
      dropped_by_quick: quick ? DROPPED_BY_QUICK : [],
      next_commands: NEXT_COMMANDS,
    };
  });
  if (g.json) writeDocument(io, document);
  return document.determinism.deterministic ? 0 : 1;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
