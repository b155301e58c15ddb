import { checkExtends, parseTrustedKeys, verifyTenantCheckpoint, type TrustedKeys } from '@aos/proof';
import type { LogCheckpointView, LogVerification } from './aos-contract';

/** Where `log verify` reads a tenant's log from: the local store or the HTTP API (never trusted). */
export interface LogSource {
  checkpoint(): Promise<LogCheckpointView | null>;
  /** The consistency proof (base64 hashes) between two sizes. */
  consistency(from: number, to: number): Promise<string[]>;
}

/**
 * `log verify` for either face (SPEC §13, customers are witnesses): reads the tenant's newest
 * checkpoint, checks its signature by a trusted key and its origin, and — given a checkpoint
 * the reader saved — that the newest one extends it (equal roots at equal sizes, else a
 * consistency proof fetched from the source and checked here). FAILED names what did not hold;
 * the caller saves `checkpoint` only when VERIFIED.
 *
 * @example
 * ```ts
 * const verdict = await verifyTenantLog(source, 'acme', keySet.keys, savedNote);
 * if (verdict.verification_status === 'VERIFIED') save(verdict.checkpoint);
 * ```
 */
export async function verifyTenantLog(
  source: LogSource,
  tenantId: string,
  trustedKeys: TrustedKeys,
  since: string | undefined,
): Promise<LogVerification> {
  const keys = parseTrustedKeys(trustedKeys);
  const base = {
    tenant_id: tenantId,
    origin: null,
    from_size: null,
    tree_size: null,
    root_hash: null,
    checkpoint: null,
    cosigned_by: [],
    verified_at: new Date().toISOString(),
  };
  const fail = (reason: string, more: Partial<LogVerification> = {}): LogVerification => ({
    ...base,
    ...more,
    verification_status: 'FAILED',
    failure_reason: reason,
  });
  const saved = since === undefined ? undefined : verifyTenantCheckpoint(since, keys, tenantId);
  if (saved !== undefined && 'reason' in saved) return fail(`saved checkpoint: ${saved.reason}`);
  const latest = await source.checkpoint();
  if (latest === null) {
    return saved === undefined
      ? fail(`tenant ${tenantId} has no log checkpoint yet: no run of it has been sealed into its log`)
      : fail(
          `log consistency: the saved checkpoint has size ${saved.treeSize} but the log has no checkpoint at all: its history was deleted`,
        );
  }
  const checked = verifyTenantCheckpoint(latest.checkpoint, keys, tenantId);
  if ('reason' in checked) return fail(`tenant checkpoint: ${checked.reason}`);
  const facts = {
    origin: checked.origin,
    tree_size: checked.treeSize,
    root_hash: checked.rootHash,
    checkpoint: latest.checkpoint,
    cosigned_by: latest.cosigned_by,
    from_size: saved?.treeSize ?? null,
  };
  if (saved !== undefined) {
    const needsProof = saved.treeSize > 0 && saved.treeSize < checked.treeSize;
    const proof = needsProof ? await source.consistency(saved.treeSize, checked.treeSize) : [];
    const problem = checkExtends(saved, checked, needsProof ? { from_size: saved.treeSize, proof } : null);
    if (problem !== null) return fail(problem, facts);
  }
  return { ...base, ...facts, verification_status: 'VERIFIED', failure_reason: null };
}
