export {
  auditSealedTraces,
  EXPORT_BATCH_STEPS,
  exportProofBundle,
  exportProofBundleToFile,
  exportStepInclusionProof,
  getRunProof,
  verifyStoredTrace,
} from './run-proof';
export {
  readLogCheckpoint,
  readLogConsistency,
  readLogInclusion,
  readLogPlacement,
  readRunReceipt,
  storedTreeReader,
} from './tenant-log-reader';
export type { LogPlacement, StoredLogCheckpoint } from './tenant-log-reader';
export { auditTenantLogs } from './tenant-log-audit';
export type { TenantLogAudit, TenantLogAuditOptions, TenantLogSummary } from './tenant-log-audit';
export { AUDIT_FINDING_KINDS, auditTraceCoverage } from './trace-coverage-audit';
export type { AuditFinding, AuditFindingKind, TraceCoverage, TraceCoverageOptions } from './trace-coverage-audit';
export type {
  AuditFailure,
  AuditResult,
  ExportOptions,
  ProofDatabase,
  ProofOptions,
  RunProofResult,
  RunVerificationStatus,
  TraceStepSummary,
  TraceSummary,
} from './run-proof';
export { PROOF_TABLE_COLUMNS } from './proof-tables';
export type { ProofColumnKind, ProofTables } from './proof-tables';
