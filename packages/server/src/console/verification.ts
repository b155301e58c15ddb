import {
  checkExtends,
  parseStrictJson,
  parseTrustedKeys,
  verifyProofBundle,
  verifyTenantCheckpoint,
  type BundleVerification,
  type LogInclusion,
  type VerifierKey,
} from '@aos/proof';
import type { KeptCheckpoint } from './storage';

// What the browser checks itself, with @aos/proof's main entry: a run's proof bundle against the
// keys the viewer pinned, and the tenant log against the checkpoint the browser kept. The
// server's own verdict (`GET /v1/runs/{id}/proof`) is never asked for.

/** The browser's verdict on one bundle. */
export interface Verdict {
  readonly status: 'VERIFIED' | 'FAILED';
  /** Why it FAILED: the first check that did not hold. */
  readonly reason: string | null;
  /** step_index of the first step that does not verify, when a step is at fault. */
  readonly firstBadStep: number | null;
  readonly inclusion: LogInclusion | null;
  readonly chainLength: number | null;
  readonly merkleRoot: string | null;
  readonly outcomeUnknownSteps: readonly number[];
}

const failed = (reason: string): Verdict => ({
  status: 'FAILED',
  reason,
  firstBadStep: null,
  inclusion: null,
  chainLength: null,
  merkleRoot: null,
  outcomeUnknownSteps: [],
});

/** The pinned keys parsed, or the one line saying which is not a verifier key. */
export function parsePinnedKeys(keys: readonly string[]): VerifierKey[] | string {
  try {
    return parseTrustedKeys(keys);
  } catch (error) {
    return `a pinned key is not a verifier key (${error instanceof Error ? error.message : String(error)}): fix it under Keys`;
  }
}

/**
 * Parses a bundle's text and verifies it against `pinnedKeys` (and, given a kept tenant
 * checkpoint, that the bundle's receipt shows the log extends it).
 */
export function verifyBundleText(
  text: string,
  pinnedKeys: readonly string[],
  keptCheckpoint?: string,
): { bundle: unknown; verdict: Verdict } {
  let bundle: unknown;
  try {
    // As aos-proof verify reads it: a repeated member name or nesting deeper than 64 levels is
    // refused, never resolved silently the way JSON.parse keeps the last duplicate.
    bundle = parseStrictJson(text, 'bundle', { subject: 'bundle' });
  } catch (error) {
    return { bundle: null, verdict: failed(error instanceof Error ? error.message : 'bundle: unreadable') };
  }
  return { bundle, verdict: verifyBundle(bundle, pinnedKeys, keptCheckpoint) };
}

/** {@link verifyBundleText} for a parsed bundle. */
export function verifyBundle(bundle: unknown, pinnedKeys: readonly string[], keptCheckpoint?: string): Verdict {
  if (pinnedKeys.length === 0) return failed('no verifier key is pinned, so nothing can be verified: pin one first');
  const keys = parsePinnedKeys(pinnedKeys);
  if (typeof keys === 'string') return failed(keys);
  let result: BundleVerification;
  try {
    result = verifyProofBundle(bundle, { trustedKeys: keys, logCheckpoint: keptCheckpoint });
  } catch (error) {
    return failed(`the verifier refused the bundle: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    status: result.verification_status === 'VERIFIED' ? 'VERIFIED' : 'FAILED',
    reason: result.failure_reason,
    firstBadStep: result.first_divergent_step,
    inclusion: result.log_inclusion,
    chainLength: result.chain_length,
    merkleRoot: result.merkle_root,
    outcomeUnknownSteps: result.outcome_unknown_steps,
  };
}

/** A tenant checkpoint the browser verified itself. */
export interface CheckedCheckpoint {
  readonly note: string;
  readonly size: number;
  readonly root: string;
  readonly origin: string;
  readonly keyName: string;
}

/** The tenant log as this browser sees it, after its own checks. */
export type LogStatus =
  | { readonly kind: 'empty' }
  | { readonly kind: 'first'; readonly latest: CheckedCheckpoint }
  | { readonly kind: 'consistent'; readonly latest: CheckedCheckpoint; readonly from: KeptCheckpoint }
  | { readonly kind: 'failed'; readonly reason: string; readonly kept: KeptCheckpoint | null };

/** Where {@link checkTenantLog} reads the log from: the API, never trusted. */
export interface LogSource {
  /** The newest checkpoint's note, or null when the tenant has none yet. */
  latest(): Promise<string | null>;
  /** The consistency proof (base64 hashes) between two sizes. */
  consistency(from: number, to: number): Promise<string[]>;
}

/**
 * The newest tenant checkpoint, checked in the browser: signed by a pinned key with the
 * tenant's log origin and — when the browser kept one before — extending it (equal roots at equal
 * sizes, else an RFC 9162 consistency proof fetched and verified here). The caller keeps the
 * newest checkpoint only when this does not fail.
 */
export async function checkTenantLog(
  source: LogSource,
  tenantId: string,
  pinnedKeys: readonly string[],
  kept: KeptCheckpoint | null,
): Promise<LogStatus> {
  const fail = (reason: string): LogStatus => ({ kind: 'failed', reason, kept });
  const keys = parsePinnedKeys(pinnedKeys);
  if (typeof keys === 'string') return fail(keys);
  if (keys.length === 0) return fail('no verifier key is pinned, so the log cannot be checked: pin one first');
  const saved = kept === null ? null : verifyTenantCheckpoint(kept.note, keys, tenantId);
  if (saved !== null && 'reason' in saved) return fail(`the checkpoint you kept: ${saved.reason}`);
  const note = await source.latest();
  if (note === null) {
    return saved === null
      ? { kind: 'empty' }
      : fail(`the log has no checkpoint at all, but you kept one of size ${saved.treeSize}: its history was deleted`);
  }
  const latest = verifyTenantCheckpoint(note, keys, tenantId);
  if ('reason' in latest) return fail(`the newest tenant checkpoint: ${latest.reason}`);
  const checked: CheckedCheckpoint = {
    note,
    size: latest.treeSize,
    root: latest.rootHash,
    origin: latest.origin,
    keyName: latest.keyName,
  };
  if (saved === null || kept === null) return { kind: 'first', latest: checked };
  const needsProof = saved.treeSize > 0 && saved.treeSize < latest.treeSize;
  const proof = needsProof ? await source.consistency(saved.treeSize, latest.treeSize) : [];
  const problem = checkExtends(saved, latest, needsProof ? { from_size: saved.treeSize, proof } : null);
  return problem === null ? { kind: 'consistent', latest: checked, from: kept } : fail(problem);
}
