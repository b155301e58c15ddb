import { skillListing } from '../skills/skill-types';
import type { OpsContext } from './ops-context';
import type { AosOps } from './ops-types';

/** `skills`: the registry's manifest as plain data. */
export function skillOps(ctx: OpsContext): AosOps['skills'] {
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- async so that a remote AosOps fits the same signature
    async list() {
      return ctx.registry().manifest().map(skillListing);
    },
  };
}
