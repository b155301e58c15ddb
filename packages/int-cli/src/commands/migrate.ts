import { AosError, getMigrationStatus, migrateToLatest, type CliIo, type ExitCode } from '@aos/core';
import type { GlobalOptions } from '../flags';
import type { MigrateJson } from '../json-shapes';
import { renderMigrate, writeDocument } from '../render';
import { withStore } from '../store';

/**
 * `int-cli migrate`: opens the store without migrating, applies what is pending (all or
 * nothing, in one transaction) and reports every migration. A failure is MIGRATION_FAILED
 * (exit 1) and leaves the database as it was.
 */
export async function runMigrate(_args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const document = await withStore(
    g,
    io,
    async (store): Promise<MigrateJson> => {
      const { outcomes, applied } = await migrateToLatest(store.db);
      const executedAt = new Map((await getMigrationStatus(store.db)).map((m) => [m.name, m.executedAt]));
      return {
        store: { driver: store.driver, location: store.location },
        migrations: outcomes.map((o) => {
          // migrateToLatest throws on a failure; anything else here is not a success either.
          if (o.status !== 'applied' && o.status !== 'already-applied') {
            throw new AosError('MIGRATION_FAILED', `migration ${o.name} was ${o.status}`);
          }
          return { name: o.name, status: o.status, executed_at: executedAt.get(o.name)?.toISOString() ?? null };
        }),
        applied_now: applied.length,
      };
    },
    { migrate: false },
  );
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderMigrate(document));
  return 0;
}
