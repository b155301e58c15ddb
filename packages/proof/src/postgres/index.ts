export {
  auditSealedTraces,
  EXPORT_BATCH_STEPS,
  exportProofBundle,
  exportProofBundleToFile,
  exportStepInclusionProof,
  getRunProof,
} from './run-proof';
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
