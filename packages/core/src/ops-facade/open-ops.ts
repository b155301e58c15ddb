import type { AosConfig } from '../aos/aos-config';
import { auditOps } from './audit-ops';
import { demoOps } from './demo-ops';
import { keyOps } from './key-ops';
import { migrationOps } from './migration-ops';
import { createOpsContext } from './ops-context';
import type { AosOps, OpenOpsOptions } from './ops-types';
import { quotaOps } from './quota-ops';
import { recoveryOps } from './recovery-ops';
import { roleOps } from './role-ops';
import { skillOps } from './skill-ops';
import { agentOps, apiKeyOps, tenantOps } from './tenant-ops';
import { workerOps } from './worker-ops';

/**
 * Opens the operator facade of the deployment `config` names: the one interface `int-cli` (and
 * any other operator face) works through, so no caller holds a database handle or a private key.
 * Opening connects to nothing: the store is opened by the first method that needs it (or by
 * `connect()`), and migrated then unless `options.migrate` is false; the signing key is loaded
 * only by the methods that seal. `close()` it when done, or use {@link withOps}.
 *
 * @example
 * ```ts
 * const ops = await openOps({ env: process.env })
 * try {
 *   const { quota, spend } = await ops.quotas.get('acme')
 *   console.log(`${spend.daily_cents}c of ${quota.daily_limit_cents}c today`)
 * } finally {
 *   await ops.close()
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so that opening a remote AosOps fits the same signature
export async function openOps(config: AosConfig, options: OpenOpsOptions = {}): Promise<AosOps> {
  const ctx = createOpsContext(config, options);
  return {
    store: ctx.store,
    connect: async () => {
      await ctx.admin();
    },
    roles: roleOps(ctx),
    migrations: migrationOps(ctx),
    keys: keyOps(ctx),
    quotas: quotaOps(ctx),
    audit: auditOps(ctx),
    recovery: recoveryOps(ctx),
    worker: workerOps(ctx),
    demo: demoOps(ctx),
    skills: skillOps(ctx),
    tenants: tenantOps(ctx),
    apiKeys: apiKeyOps(ctx),
    agents: agentOps(ctx),
    close: () => ctx.close(),
  };
}

/**
 * Opens the facade, hands it to `use` and always closes it — also when `use` throws — so the
 * embedded directory's lock is released whatever happens. Resolves to what `use` returns.
 *
 * @example
 * ```ts
 * const applied = await withOps({ env: process.env }, (ops) => ops.migrations.apply(), { migrate: false })
 * ```
 */
export async function withOps<T>(
  config: AosConfig,
  use: (ops: AosOps) => Promise<T>,
  options: OpenOpsOptions = {},
): Promise<T> {
  const ops = await openOps(config, options);
  try {
    return await use(ops);
  } finally {
    await ops.close();
  }
}
