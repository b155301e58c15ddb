import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { withOps } from '@aos/core/ops';
import type { GlobalOptions } from '../flags';
import type { MigrateJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { renderMigrate, writeDocument } from '../render';

/**
 * `int-cli migrate`: opens the store without migrating, applies what is pending (all or
 * nothing, in one transaction) and reports every migration. A failure is MIGRATION_FAILED
 * (exit 1) and leaves the database as it was.
 */
export async function runMigrate(_args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const document = await withOps(
    opsConfig(g, io),
    async (ops): Promise<MigrateJson> => {
      const { migrations, applied_now, run_queue } = await ops.migrations.apply();
      return { store: { driver: ops.store.driver, location: ops.store.location }, migrations, applied_now, run_queue };
    },
    { migrate: false },
  );
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderMigrate(document));
  return 0;
}
