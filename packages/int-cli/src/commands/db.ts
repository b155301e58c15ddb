import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { withOps } from '@aos/core/ops';
import { z } from 'zod';
import { parseFlags, type GlobalOptions } from '../flags';
import type { DbRolesJson, DbRolesSqlJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { renderDbRoles, writeDocument } from '../render';

const RolesFlags = z.object({ print: z.boolean().default(false) });

/**
 * `int-cli db roles [--print]`: creates the roles of SPEC §3.1a where missing, working as the
 * login (which must be allowed to create roles), without migrating; `--print` writes the SQL and
 * connects to nothing.
 */
export async function runDbRoles(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const { print } = parseFlags(RolesFlags, args);
  if (print) {
    const document: DbRolesSqlJson = {
      sql: await withOps(opsConfig(g, io), (ops) => Promise.resolve(ops.roles.sql())),
    };
    if (g.json) writeDocument(io, document);
    else io.stdout.write(document.sql);
    return 0;
  }
  const document = await withOps(
    opsConfig(g, io),
    async (ops): Promise<DbRolesJson> => {
      const { roles } = await ops.roles.ensure();
      return { store: { driver: ops.store.driver, location: ops.store.location }, roles };
    },
    { migrate: false },
  );
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderDbRoles(document));
  return 0;
}
