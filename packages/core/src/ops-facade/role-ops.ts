import { AOS_ROLES, ensureRoles, ROLES_SQL } from '../db/roles';
import type { OpsContext } from './ops-context';
import type { AosOps } from './ops-types';

/** `roles`: the database roles of SPEC §3.1a, printed or created. */
export function roleOps(ctx: OpsContext): AosOps['roles'] {
  return {
    sql: () => ROLES_SQL,
    async ensure() {
      const { created } = await ensureRoles(await ctx.admin());
      const made = new Set<string>(created);
      return {
        roles: AOS_ROLES.map((name) => ({
          name,
          status: made.has(name) ? ('created' as const) : ('existing' as const),
        })),
      };
    },
  };
}
