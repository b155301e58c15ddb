export { auditSealedTraces, exportProofBundle, exportStepInclusionProof, getRunProof } from './run-proof';
export type {
  AuditFailure,
  AuditResult,
  ProofDatabase,
  ProofOptions,
  RunProofResult,
  RunVerificationStatus,
  TraceStepSummary,
  TraceSummary,
} from './run-proof';
