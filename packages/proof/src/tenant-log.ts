import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes } from '#platform';

import * as z from 'zod/mini';

import { canonicalize } from './canonical-json';
import { ProofError } from './errors';
import { verifyInclusion } from './merkle-tree';
import { verifyConsistency } from './merkle-consistency';
import type { SigningKey, VerifierKey } from './note-key';
import { sha256Hex } from './sha256-hash';
import { signNote, verifyNote } from './signed-note';
import { formatCheckpointBody, parseCheckpointBody, type ParsedCheckpoint } from './tlog-checkpoint';
import { RUN_STATUSES } from './vocabulary';
import { verifyCosignatureQuorum, type WitnessPolicy } from './witness-policy';
import { safeParseSchema } from './zod-error';

const LEAF_PREFIX = '\u0000';
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const HashHexSchema = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'));
const IdSchema = z.string().check(z.minLength(1, 'must be a non-empty string'));
// Proof hashes travel as base64 (as in C2SP tlog-witness): a 20-hash proof at a million leaves
// is 941 bytes of JSON instead of 1,341 in hex.
const HashBase64Schema = z.string().check(z.regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 of a 32-byte hash'));

/**
 * A hash proof as it travels in receipts and log proofs: each hex hash as base64.
 *
 * @example
 * ```ts
 * const lines = proofToBase64(readInclusionProofResult);
 * ```
 */
export function proofToBase64(proof: readonly string[]): string[] {
  return proof.map((hash) => bytesToBase64(hexToBytes(hash)));
}

/**
 * The hex hashes of a base64 proof (validated by the schemas that read it).
 *
 * @example
 * ```ts
 * verifyInclusion({ ...check, proof: proofFromBase64(receipt.inclusion_proof) });
 * ```
 */
export function proofFromBase64(proof: readonly string[]): string[] {
  return proof.map((line) => bytesToHex(base64ToBytes(line)));
}

/**
 * Format tag of a run's tenant-log receipt.
 *
 * @example
 * ```ts
 * if (bundle.receipt?.format === LOG_RECEIPT_FORMAT) verifyLogReceipt(bundle, { trustedKeys });
 * ```
 */
export const LOG_RECEIPT_FORMAT = 'aos.log-receipt.v1';

/**
 * Zod schema of a tenant-log leaf (SPEC §13): what the log says about one sealed run. Its leaf
 * hash is SHA-256(0x00 ‖ JCS(leaf)).
 *
 * @example
 * ```ts
 * const leaf: TenantLogLeaf = TenantLogLeafSchema.parse(receipt.leaf);
 * ```
 */
export const TenantLogLeafSchema = z.strictObject({
  type: z.literal('run_sealed'),
  tenant_id: IdSchema,
  log_index: z.int().check(z.nonnegative()),
  run_id: IdSchema,
  trace_id: IdSchema,
  plan_hash: HashHexSchema,
  genesis_hash: HashHexSchema,
  root_hash: HashHexSchema,
  merkle_root: HashHexSchema,
  tree_size: z.int().check(z.gte(2)),
  run_status: z.enum(RUN_STATUSES),
  sealed_at: z.iso.datetime({ error: 'must be an ISO-8601 UTC time' }),
});
/**
 * One leaf of a tenant log: a sealed run.
 *
 * @example
 * ```ts
 * const leaf: TenantLogLeaf = { type: 'run_sealed', tenant_id: 'acme', log_index: 0, … };
 * ```
 */
export type TenantLogLeaf = z.infer<typeof TenantLogLeafSchema>;

/**
 * Zod schema of a consistency proof carried by a receipt: from the tree of `from_size` leaves
 * (a checkpoint the reader saved earlier) to the receipt's checkpoint.
 *
 * @example
 * ```ts
 * const step = ReceiptConsistencySchema.parse({ from_size: 3, proof: [] });
 * ```
 */
export const ReceiptConsistencySchema = z.strictObject({
  from_size: z.int().check(z.positive()),
  proof: z.array(HashBase64Schema).check(z.maxLength(128)),
});

/**
 * Zod schema of a run's receipt (`format: "aos.log-receipt.v1"`): the run's tenant-log leaf,
 * its hash, the RFC 9162 inclusion proof into the tenant checkpoint (a C2SP signed note; the
 * witnesses' cosignatures are signature lines of that note), and — when the reader asked for
 * one — a consistency proof from a checkpoint it saved before.
 *
 * @example
 * ```ts
 * const receipt: LogReceipt = LogReceiptSchema.parse(bundle.receipt);
 * ```
 */
export const LogReceiptSchema = z.strictObject({
  format: z.literal(LOG_RECEIPT_FORMAT),
  leaf: TenantLogLeafSchema,
  leaf_hash: HashHexSchema,
  inclusion_proof: z.array(HashBase64Schema).check(z.maxLength(128)),
  checkpoint: z.string().check(z.minLength(1), z.maxLength(65_536)),
  consistency: z.nullable(ReceiptConsistencySchema),
});
/**
 * A run's tenant-log receipt.
 *
 * @example
 * ```ts
 * const index = (receipt: LogReceipt) => receipt.leaf.log_index;
 * ```
 */
export type LogReceipt = z.infer<typeof LogReceiptSchema>;

/**
 * The origin of a tenant's log: `<deployment origin>/tenants/<tenant_id>` (the deployment
 * origin is the signing key's name). Throws a {@link ProofError} `PROOF_BAD_VALUE` when a part
 * is empty or holds a control character.
 *
 * @example
 * ```ts
 * tenantLogOrigin('aos.example.com', 'acme'); // 'aos.example.com/tenants/acme'
 * ```
 */
export function tenantLogOrigin(deploymentOrigin: string, tenantId: string): string {
  for (const [label, value] of [
    ['deployment origin', deploymentOrigin],
    ['tenant_id', tenantId],
  ] as const) {
    if (typeof value !== 'string' || value === '' || CONTROL_CHARACTER.test(value)) {
      throw new ProofError('PROOF_BAD_VALUE', `${label} must be a non-empty line of text`);
    }
  }
  return `${deploymentOrigin}/tenants/${tenantId}`;
}

/**
 * SHA-256(0x00 ‖ JCS(leaf)) of a tenant-log leaf, as hex.
 *
 * @example
 * ```ts
 * const leafHash = tenantLogLeafHash(receipt.leaf);
 * ```
 */
export function tenantLogLeafHash(leaf: TenantLogLeaf): string {
  return sha256Hex(LEAF_PREFIX + canonicalize(leaf));
}

/**
 * The tenant checkpoint of a log of `treeSize` leaves with root `rootHash`, signed by `key`
 * (origin {@link tenantLogOrigin} of the key's name).
 *
 * @example
 * ```ts
 * const note = signTenantCheckpoint(key, 'acme', 17, root);
 * ```
 */
export function signTenantCheckpoint(key: SigningKey, tenantId: string, treeSize: number, rootHash: string): string {
  return signNote(formatCheckpointBody({ origin: tenantLogOrigin(key.name, tenantId), treeSize, rootHash }), key);
}

/** A tenant checkpoint whose signature verified: its fields and the key that signed it. */
export interface VerifiedTenantCheckpoint extends ParsedCheckpoint {
  /** The note as given (with any cosignature lines). */
  note: string;
  /** The trusted key whose signature verified. */
  keyName: string;
}

/**
 * Verifies a tenant checkpoint note: signed by one of `trustedKeys`, a tlog checkpoint whose
 * origin is `<that key's name>/tenants/<tenantId>`. Returns the checkpoint, or a reason.
 *
 * @example
 * ```ts
 * const checked = verifyTenantCheckpoint(note, keys, 'acme');
 * if ('reason' in checked) throw new Error(checked.reason);
 * ```
 */
export function verifyTenantCheckpoint(
  note: string,
  trustedKeys: readonly VerifierKey[],
  tenantId: string,
): VerifiedTenantCheckpoint | { reason: string } {
  if (typeof note !== 'string' || note === '') return { reason: 'the checkpoint is empty' };
  const verdict = verifyNote(note, trustedKeys);
  if (!verdict.valid)
    return { reason: `its signature does not verify by a trusted key (${verdict.reason ?? 'invalid'})` };
  let parsed: ParsedCheckpoint;
  try {
    parsed = parseCheckpointBody(verdict.body);
  } catch (error) {
    return { reason: `it is not a checkpoint: ${(error as Error).message}` };
  }
  const keyName = verdict.verifiedBy[0] ?? '';
  const expected = `${keyName}/tenants/${tenantId}`;
  if (parsed.origin !== expected)
    return { reason: `its origin is ${JSON.stringify(parsed.origin)}, not ${JSON.stringify(expected)}` };
  return { ...parsed, note, keyName };
}

/** What a run's receipt is checked against: the facts of the run and trace the bundle proves. */
export interface ReceiptSubject {
  run: { id: string; tenant_id: string; status: string };
  trace: {
    trace_id: string;
    plan_hash: string;
    genesis_hash: string;
    root_hash: string | null;
    merkle_root: string | null;
    chain_length: number | null;
    sealed_at: string | null;
  };
}

/**
 * The leaf a run's sealed facts make at `logIndex` of its tenant's log: what the sequencer
 * appends and what a receipt's leaf must equal. Unsealed values (null) are kept as they are, so
 * a receipt attached to an unsealed trace never matches.
 *
 * @example
 * ```ts
 * const leaf = tenantLogLeafFor({ run, trace }, 17);
 * ```
 */
export function tenantLogLeafFor(subject: ReceiptSubject, logIndex: number): { [K in keyof TenantLogLeaf]: unknown } {
  const { run, trace } = subject;
  return {
    type: 'run_sealed',
    tenant_id: run.tenant_id,
    log_index: logIndex,
    run_id: run.id,
    trace_id: trace.trace_id,
    plan_hash: trace.plan_hash,
    genesis_hash: trace.genesis_hash,
    root_hash: trace.root_hash,
    merkle_root: trace.merkle_root,
    tree_size: trace.chain_length === null ? null : trace.chain_length + 2,
    run_status: run.status,
    sealed_at: trace.sealed_at,
  };
}

/** Options of {@link verifyLogReceipt}. */
export interface ReceiptCheckOptions {
  trustedKeys: readonly VerifierKey[];
  /** A tenant checkpoint the reader saved before: the receipt's must extend it. */
  since?: string | undefined;
  /** Require k-of-n witness cosignatures on the receipt's checkpoint. */
  policy?: WitnessPolicy | undefined;
}

/**
 * What a verified receipt shows: where the run sits in its tenant's log, the checkpoint that
 * includes it, the witnesses that cosigned that checkpoint (under a policy), and whether it
 * extends the reader's saved checkpoint.
 *
 * @example
 * ```ts
 * const { log_index, tree_size }: LogInclusion = result.log_inclusion!;
 * ```
 */
export interface LogInclusion {
  log_index: number;
  leaf_hash: string;
  origin: string;
  tree_size: number;
  root_hash: string;
  /** The checkpoint note (with cosignature lines) the run was proven into. */
  checkpoint: string;
  /** Policy witnesses whose cosignature verified (`[]` without a policy). */
  cosigned_by: string[];
  /** Size of the saved checkpoint shown to be a prefix, `null` when none was given. */
  consistent_from: number | null;
}

/**
 * Checks a run's tenant-log receipt offline (SPEC §13): the leaf states exactly this run's
 * sealed facts (tenant, run, trace, plan, genesis, root, Merkle root, tree size, status, seal
 * time), its hash is right, the checkpoint is signed by a trusted key with the tenant's log
 * origin, the inclusion proof leads from the leaf at its index to the checkpoint's root; with
 * `since`, the saved checkpoint (same tenant, trusted signature) is a prefix of the receipt's
 * (equal roots at equal sizes, else the receipt's consistency proof from that size; proofs are base64); with a
 * policy, the checkpoint has its quorum of cosignatures. Returns the inclusion facts, or the
 * first failure as `receipt: …`.
 *
 * @example
 * ```ts
 * const checked = verifyLogReceipt(bundle.receipt, bundle, { trustedKeys });
 * if ('reason' in checked) console.log(checked.reason);
 * ```
 */
export function verifyLogReceipt(
  receiptValue: unknown,
  subject: ReceiptSubject,
  options: ReceiptCheckOptions,
): LogInclusion | { reason: string } {
  if (receiptValue === null || receiptValue === undefined) {
    return {
      reason:
        'receipt: there is none, so nothing shows the run is in its tenant log (export the bundle again once the run is sealed into the log)',
    };
  }
  const parsed = safeParseSchema(LogReceiptSchema, receiptValue);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { reason: `receipt.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const receipt = parsed.data;
  const { leaf } = receipt;
  const { run } = subject;
  const expected = tenantLogLeafFor(subject, leaf.log_index);
  for (const field of Object.keys(expected) as (keyof TenantLogLeaf)[]) {
    if (leaf[field] !== expected[field])
      return { reason: `receipt: leaf ${field} does not match the run it is attached to` };
  }
  if (tenantLogLeafHash(leaf) !== receipt.leaf_hash) return { reason: 'receipt: leaf_hash does not match the leaf' };
  const checkpoint = verifyTenantCheckpoint(receipt.checkpoint, options.trustedKeys, run.tenant_id);
  if ('reason' in checkpoint) return { reason: `receipt: tenant checkpoint: ${checkpoint.reason}` };
  const included = verifyInclusion({
    leafHash: receipt.leaf_hash,
    index: leaf.log_index,
    treeSize: checkpoint.treeSize,
    proof: proofFromBase64(receipt.inclusion_proof),
    rootHash: checkpoint.rootHash,
  });
  if (!included) {
    return {
      reason: `receipt: the inclusion proof does not lead from leaf ${leaf.log_index} to the tenant checkpoint of size ${checkpoint.treeSize}`,
    };
  }
  let consistentFrom: number | null = null;
  if (options.since !== undefined) {
    const saved = verifyTenantCheckpoint(options.since, options.trustedKeys, run.tenant_id);
    if ('reason' in saved) return { reason: `saved checkpoint: ${saved.reason}` };
    const problem = checkExtends(saved, checkpoint, receipt.consistency);
    if (problem !== null) return { reason: problem };
    consistentFrom = saved.treeSize;
  }
  let cosignedBy: string[] = [];
  if (options.policy !== undefined) {
    const quorum = verifyCosignatureQuorum(receipt.checkpoint, options.policy);
    if (!quorum.ok) return { reason: `receipt: witness policy: ${quorum.reason ?? 'not met'}` };
    cosignedBy = quorum.cosigned;
  }
  return {
    log_index: leaf.log_index,
    leaf_hash: receipt.leaf_hash,
    origin: checkpoint.origin,
    tree_size: checkpoint.treeSize,
    root_hash: checkpoint.rootHash,
    checkpoint: receipt.checkpoint,
    cosigned_by: cosignedBy,
    consistent_from: consistentFrom,
  };
}

/**
 * Why `later` does not extend `saved` (`null` when it does): equal sizes need equal roots, a
 * larger one a valid consistency proof from exactly the saved size, and a smaller one is
 * refused (it cannot show it agrees with what the reader saw).
 *
 * @example
 * ```ts
 * const problem = checkExtends(saved, latest, { from_size: saved.treeSize, proof });
 * ```
 */
export function checkExtends(
  saved: Pick<ParsedCheckpoint, 'treeSize' | 'rootHash'>,
  later: Pick<ParsedCheckpoint, 'treeSize' | 'rootHash'>,
  consistency: { from_size: number; proof: readonly string[] } | null,
): string | null {
  if (saved.treeSize > later.treeSize) {
    return `log consistency: the saved checkpoint (size ${saved.treeSize}) is newer than this one (size ${later.treeSize}); a log never shrinks, or this proof is older than what you saw`;
  }
  if (saved.treeSize === later.treeSize) {
    return saved.rootHash === later.rootHash
      ? null
      : `log consistency: the saved checkpoint and this one both have size ${saved.treeSize} but different roots: the log was rewritten`;
  }
  if (saved.treeSize === 0) return null;
  if (consistency === null || consistency.from_size !== saved.treeSize) {
    return `log consistency: no consistency proof from the saved size ${saved.treeSize} (fetch the proof again with that checkpoint)`;
  }
  const ok = verifyConsistency({
    oldSize: saved.treeSize,
    newSize: later.treeSize,
    oldRoot: saved.rootHash,
    newRoot: later.rootHash,
    proof: proofFromBase64(consistency.proof),
  });
  return ok
    ? null
    : `log consistency: the checkpoint of size ${later.treeSize} does not extend the saved one of size ${saved.treeSize}: the log's history was rewritten`;
}
