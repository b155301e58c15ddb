export { DEFAULT_QUOTA, getTenantQuota, QuotaPatchSchema, setTenantQuota } from './tenant-quotas';
export type { QuotaPatch, TenantQuotaView } from './tenant-quotas';
export { getTenantSpend, recordCostEvent, releaseReservation, reserveBudget } from './budget-guard';
export type { BudgetDecision, CostInput, SpendSnapshot } from './budget-guard';
