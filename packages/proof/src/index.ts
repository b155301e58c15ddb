export { isProofError, PROOF_ERROR_CODES, ProofError, type ProofErrorCode } from './errors';

export { canonicalize } from './canonical-json';
export { JSON_MAX_DEPTH, parseStrictJson, type JsonPlace } from './strict-json';
export { sha256Hex } from './sha256-hash';
export { computeGenesisHash, computePlanHash, type GenesisInput } from './plan-hash';

export {
  findStepEnvelopeProblem,
  STEP_ENVELOPE_FIELDS,
  toStepEnvelope,
  type JsonValue,
  type StepEnvelope,
  type StepEnvelopeField,
  type StepRowLike,
  type TimestampInput,
} from './step-envelope';
export { computeLeafHash, computeStepHash, extendChain, type ChainLink } from './hash-chain';
export { createInclusionProof, merkleTreeHash, verifyInclusion, type InclusionCheck } from './merkle-tree';
export {
  createConsistencyProof,
  readConsistencyProof,
  verifyConsistency,
  type ConsistencyCheck,
} from './merkle-consistency';
export {
  createMemoryTreeReader,
  readInclusionProof,
  readTreeHash,
  type TreeNodeId,
  type TreeNodeReader,
} from './tree-node-reader';

export {
  encodeSigningKey,
  generateSigningKey,
  isValidKeyName,
  parseSigningKey,
  parseVerifierKey,
  signingKeySeed,
  type SigningKey,
  type VerifierKey,
} from './note-key';
export type { Ed25519PrivateKey, Ed25519PublicKey } from './platform/key-types';
export { signNote, verifyNote, type NoteVerification } from './signed-note';
export {
  checkpointOrigin,
  formatCheckpointBody,
  parseCheckpointBody,
  signCheckpoint,
  type CheckpointFields,
  type ParsedCheckpoint,
} from './tlog-checkpoint';
export {
  cosignatureTimestamp,
  cosignCheckpoint,
  cosignerKeyFrom,
  parseCosignatureVerifierKey,
  verifyCosignature,
  type CosignatureVerification,
  type CosignatureVerifierKey,
  type CosignerKey,
} from './tlog-cosignature';
export {
  parseWitnessPolicy,
  verifyCosignatureQuorum,
  type PolicyWitness,
  type QuorumVerification,
  type WitnessPolicy,
} from './witness-policy';
export {
  checkExtends,
  LOG_RECEIPT_FORMAT,
  LogReceiptSchema,
  proofFromBase64,
  proofToBase64,
  ReceiptConsistencySchema,
  signTenantCheckpoint,
  tenantLogLeafFor,
  tenantLogLeafHash,
  TenantLogLeafSchema,
  tenantLogOrigin,
  verifyLogReceipt,
  verifyTenantCheckpoint,
  type LogInclusion,
  type LogReceipt,
  type ReceiptCheckOptions,
  type ReceiptSubject,
  type TenantLogLeaf,
  type VerifiedTenantCheckpoint,
} from './tenant-log';
export { TreeFrontier, type TreeNode } from './tree-frontier';
export { sealRunTrace, type RunSeal, type SealResult, type SealRunInput } from './chain-seal';
export {
  computeEnvelopeHash,
  toRunHeader,
  toRunOutcome,
  TRACE_FORMAT,
  type OutcomeChain,
  type RunFacts,
  type RunHeaderEnvelope,
  type RunOutcomeEnvelope,
  type TraceFacts,
} from './run-envelopes';

export {
  BundleLeafSchema,
  BundleRunSchema,
  BundleTraceSchema,
  PROOF_BUNDLE_FORMAT,
  ProofBundleSchema,
  STEP_PROOF_FORMAT,
  StepEnvelopeSchema,
  StepInclusionProofSchema,
  StepRecordSchema,
  type BundleLeaf,
  type BundleRun,
  type BundleTrace,
  type ProofBundle,
  type StepInclusionProof,
  type StepRecord,
} from './bundle-schema';
export {
  REPLAY_BEHAVIORS,
  RUN_STATUSES,
  STEP_STATUSES,
  TRACE_STATUSES,
  UUID_PATTERN,
  type ReplayBehavior,
  type RunStatus,
  type StepStatus,
  type TraceStatus,
} from './vocabulary';
export {
  parseTrustedKeys,
  VERIFICATION_STATUSES,
  verifyTraceRecord,
  type EnvelopeRecord,
  type TraceRecord,
  type TraceVerification,
  type TrustedKeys,
  type VerificationStatus,
  type VerifyTraceRecordInput,
} from './trace-verifier';
export {
  createProofBundle,
  verifyProofBundle,
  type BundleVerification,
  type CreateProofBundleInput,
  type VerifyProofOptions,
} from './bundle-verifier';
export {
  createStepInclusionProof,
  verifyStepInclusionProof,
  type CreateStepInclusionProofInput,
  type StepProofVerification,
} from './step-proof';

export { legacyHashChainV1, type LegacyChainStep } from './legacy-hash-chain';
