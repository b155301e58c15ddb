export {
  auditSealedTraces,
  EXPORT_BATCH_STEPS,
  exportProofBundle,
  exportProofBundleToFile,
  exportStepInclusionProof,
  getRunProof,
} from './run-proof';
export { AUDIT_FINDING_KINDS, auditTraceCoverage } from './trace-coverage-audit';
export type { AuditFinding, AuditFindingKind, TraceCoverage, TraceCoverageOptions } from './trace-coverage-audit';
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
export { PROOF_TABLE_COLUMNS } from './proof-tables';
export type { ProofColumnKind, ProofTables } from './proof-tables';
