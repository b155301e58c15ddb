// `@aos/core/ops`: the operator facade and the few names its callers need with it. It never
// reaches run creation (src/runs/): dependency-cruiser's `ops-facade-cannot-create-runs` and
// `int-cli-cannot-create-runs` check every chain of imports.
export { openOps, withOps } from './open-ops';
export type {
  AosOps,
  ApiKeyView,
  CreatedApiKeyView,
  TenantView,
  AuditFailureView,
  AuditOptions,
  AuditProgress,
  AuditReport,
  AuditTrustedKey,
  BudgetAlertView,
  CostEventReport,
  DeterminismCheck,
  GeneratedKey,
  KeySetView,
  KeyStatus,
  MigrationsApplied,
  MigrationState,
  OpenOpsOptions,
  RecoveryOptions,
  RecoveryReport,
  RotatedKey,
  SigningKeyFileView,
  SkillSummary,
  StoreInfo,
  TenantQuotaReport,
  TrustedKeyView,
  WorkerAttempt,
} from './ops-types';

// What opening takes, and the plain types the results are made of.
export type { AosConfig } from '../aos/aos-config';
export { databaseCreateMessage, lockWaitMessage } from '../aos/aos-config';
export type { ApiKeyScope, JsonValue, RunStatus } from '../db/schema';
export { API_KEY_SCOPES } from '../db/schema';
// The operator's quota report is the customer's budget view: one document shape.
export { BudgetViewSchema } from '../aos/aos-contract';
export type { QuotaPatch, TenantQuotaView } from '../budget/tenant-quotas';
export { AUDIT_FINDING_KINDS } from '@aos/proof/postgres';
export type { AuditFinding, AuditFindingKind } from '@aos/proof/postgres';

// Errors the facade throws (stable codes), and the validation callers repeat at their edge.
export { AosError, InvalidInputError, isAosError } from '../errors';
export type { AosErrorCode } from '../errors';
export { tenantIdSchema } from '../validation';
