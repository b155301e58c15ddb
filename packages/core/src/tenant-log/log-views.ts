import { readLogCheckpoint, readLogConsistency, readLogInclusion } from '@aos/proof/postgres';
import type { Kysely } from 'kysely';
import type { LogCheckpointView, LogProofView } from '../aos/aos-contract';
import type { Database } from '../db/schema';
import { AosError } from '../errors';
import { parseInput, tenantIdSchema } from '../validation';

/**
 * The tenant's newest stored checkpoint with its cosignatures, or null when it has none.
 *
 * @example
 * ```ts
 * const latest = await logCheckpoint(store.forTenant('acme'), 'acme');
 * ```
 */
export async function logCheckpoint(db: Kysely<Database>, tenantId: string): Promise<LogCheckpointView | null> {
  const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
  const latest = await readLogCheckpoint(db, tenant);
  return latest && { tenant_id: tenant, ...latest };
}

function position(value: number, field: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new AosError('INVALID_INPUT', `${field} must be an integer of at least ${min}, got ${String(value)}`);
  }
  return value;
}

/**
 * An RFC 9162 proof of the tenant's log read from stored nodes: `consistency` from size `a` to
 * size `b` (1 ≤ a ≤ b), or `inclusion` of leaf `a` in the tree of `b` leaves (a < b). `b` must
 * not exceed the newest checkpoint's size (LOG_NOT_FOUND otherwise: the log is not that long,
 * or not signed that far); bad positions are INVALID_INPUT.
 *
 * @example
 * ```ts
 * const { proof } = await logProof(db, 'acme', 'consistency', saved.treeSize, latest.tree_size);
 * ```
 */
export async function logProof(
  db: Kysely<Database>,
  tenantId: string,
  kind: 'consistency' | 'inclusion',
  a: number,
  b: number,
): Promise<LogProofView> {
  const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
  const from = position(a, kind === 'consistency' ? 'from' : 'index', kind === 'consistency' ? 1 : 0);
  const to = position(b, kind === 'consistency' ? 'to' : 'size', 1);
  if (kind === 'consistency' ? from > to : from >= to) {
    throw new AosError(
      'INVALID_INPUT',
      kind === 'consistency'
        ? `from (${from}) must not exceed to (${to})`
        : `index (${from}) must be below size (${to})`,
    );
  }
  const latest = await readLogCheckpoint(db, tenant);
  if (latest === null || latest.tree_size < to) {
    throw new AosError(
      'LOG_NOT_FOUND',
      `the log of tenant ${tenant} has no checkpoint of size ${to} (its newest is ${latest?.tree_size ?? 'none'})`,
    );
  }
  const proof =
    kind === 'consistency'
      ? await readLogConsistency(db, tenant, from, to)
      : await readLogInclusion(db, tenant, from, to);
  return { tenant_id: tenant, from, to, proof };
}
