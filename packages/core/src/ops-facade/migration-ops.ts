import { AosError } from '../errors';
import { getMigrationStatus, migrateToLatest } from '../db/migrator';
import { grantRunQueue, installRunQueue, RUN_QUEUE_SCHEMA } from '../queue/run-queue';
import type { OpsContext } from './ops-context';
import type { AosOps } from './ops-types';

/** `migrations`: what the store has, and applying the rest. */
export function migrationOps(ctx: OpsContext): AosOps['migrations'] {
  return {
    async status() {
      const migrations = await getMigrationStatus(await ctx.admin());
      return migrations.map((m) => ({
        name: m.name,
        applied: m.executedAt !== null,
        executed_at: m.executedAt?.toISOString() ?? null,
      }));
    },
    async apply() {
      const db = await ctx.admin();
      // The queue first: AOS's migrations grant on its schema.
      if (ctx.databaseUrl !== null) await installRunQueue(ctx.databaseUrl);
      const { outcomes, applied } = await migrateToLatest(db);
      // aos_worker's grants and policies again: an upgraded graphile-worker may have added tables.
      if (ctx.databaseUrl !== null) await grantRunQueue(db);
      const executedAt = new Map((await getMigrationStatus(db)).map((m) => [m.name, m.executedAt]));
      return {
        migrations: outcomes.map((o) => {
          // migrateToLatest throws on a failure; anything else here is not a success either.
          if (o.status !== 'applied' && o.status !== 'already-applied') {
            throw new AosError('MIGRATION_FAILED', `migration ${o.name} was ${o.status}`);
          }
          return { name: o.name, status: o.status, executed_at: executedAt.get(o.name)?.toISOString() ?? null };
        }),
        applied_now: applied.length,
        run_queue: ctx.databaseUrl === null ? null : { schema: RUN_QUEUE_SCHEMA },
      };
    },
  };
}
