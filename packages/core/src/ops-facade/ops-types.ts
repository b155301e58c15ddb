import type { AuditFinding, TenantLogSummary } from '@aos/proof/postgres';
import type { QuotaPatch, TenantQuotaView } from '../budget/tenant-quotas';
import type { AgentView } from '../aos/aos-contract';
import type { AlertLevel, AlertPeriod, ApiKeyScope, JsonValue, TenantStatus } from '../db/schema';
import type { QueueRecoveryReport, RunAttemptReport } from '../queue/run-worker';
import type { SkillListing } from '../skills/skill-types';

// Everything here is plain data: strings, numbers, booleans, null, arrays and object literals
// (times as ISO-8601 strings), so a result survives JSON unchanged and a remote implementation of
// AosOps can return exactly what this one does. Inputs are camelCase options; results use the
// snake_case field names of the stored rows and of the command lines' JSON documents.

/**
 * Where an {@link AosOps} works: the driver and the embedded directory or the server URL (its
 * password redacted). Known without connecting, so describing the store never opens it.
 */
export interface StoreInfo {
  readonly driver: 'embedded' | 'server';
  readonly location: string;
}

/** How `openOps` treats the store when it opens it. */
export interface OpenOpsOptions {
  /**
   * Apply pending migrations when the store opens (default true). `false` leaves them for
   * `migrations.apply()`, which can then report what it applied.
   */
  readonly migrate?: boolean | undefined;
}

/** One known migration and whether the store has it (`migrations.status()`). */
export interface MigrationState {
  readonly name: string;
  readonly applied: boolean;
  /** When it was applied (ISO-8601), null while pending. */
  readonly executed_at: string | null;
}

/** What `roles.ensure()` found: each role of SPEC §3.1a, created now or there already. */
export interface RolesEnsured {
  readonly roles: {
    readonly name: 'aos_owner' | 'aos_app' | 'aos_audit' | 'aos_worker';
    readonly status: 'created' | 'existing';
  }[];
}

/** What `migrations.apply()` did to every known migration. */
export interface MigrationsApplied {
  readonly migrations: {
    readonly name: string;
    /** `applied` by this call, or `already-applied` before it. */
    readonly status: 'applied' | 'already-applied';
    readonly executed_at: string | null;
  }[];
  /** How many this call applied. */
  readonly applied_now: number;
  /**
   * The run queue of service mode (SPEC §14): graphile-worker's schema, installed or upgraded
   * before AOS's migrations; null on the embedded database (local mode executes inline).
   */
  readonly run_queue: { readonly schema: string } | null;
}

/** One verifier key the deployment trusts (the public half only). */
export interface TrustedKeyView {
  readonly status: 'current' | 'retired';
  /** `env`: AOS_SIGNING_KEY or AOS_RETIRED_VERIFIER_KEYS; `file`: the key set file. */
  readonly source: 'env' | 'file';
  readonly name: string;
  readonly key_id: string;
  /** `name+keyid+base64`, what verifiers are given. */
  readonly verifier_key: string;
  /** When it stopped signing (ISO-8601); null for the current key and for keys from the environment. */
  readonly retired_at: string | null;
}

/** The trusted key set: the current verifier key first, then every retired one. */
export interface KeySetView {
  /** The key set file read, or null when AOS_SIGNING_KEY is set (no file is read then). */
  readonly file: string | null;
  readonly current: TrustedKeyView | null;
  readonly keys: TrustedKeyView[];
  /** What an operator should know, e.g. a key file whose verifier key was never recorded. */
  readonly warnings: string[];
}

/** `keys.show()`: the key set, and where the signing key file is (it is never read). */
export interface KeyStatus extends KeySetView {
  readonly signing_key_file: { readonly path: string; readonly exists: boolean };
}

/** A signing key file that was written, described by its public half. */
export interface SigningKeyFileView {
  readonly path: string;
  readonly name: string;
  readonly key_id: string;
  readonly verifier_key: string;
}

/** What `keys.generate()` created. */
export interface GeneratedKey {
  readonly key: SigningKeyFileView;
  /** The key set after the new key was recorded as current. */
  readonly key_set: KeySetView;
  /** True when AOS_SIGNING_KEY is set: the new file is not the key in use while it is. */
  readonly shadowed_by_env: boolean;
}

/** What `keys.rotate()` did: the new key, and the one it retired (kept, and still trusted). */
export interface RotatedKey {
  readonly key: SigningKeyFileView;
  readonly retired: {
    readonly name: string;
    readonly key_id: string;
    readonly verifier_key: string;
    readonly retired_at: string;
    /** Where the old private key is kept (mode 0600). */
    readonly backup_path: string;
  };
  readonly key_set: KeySetView;
}

/** A tenant's limits (stored, or the defaults) and its recorded spend, in cents. */
export interface TenantQuotaReport {
  readonly quota: TenantQuotaView;
  readonly spend: { readonly daily_cents: number; readonly hourly_cents: number };
}

/** What `audit.run()` checks. */
export interface AuditOptions {
  /** Only this tenant's traces and runs; all tenants without it. */
  readonly tenantId?: string | undefined;
  /** Verify at most this many sealed traces (trace id order). */
  readonly limit?: number | undefined;
  /** Verifier keys (`name+keyid+base64`) trusted besides the deployment's key set. */
  readonly trustedKeys?: readonly string[] | undefined;
  /** A running run with no progress for this long is a finding (as `recovery.recoverStale`'s `olderThanMs`); default 15 minutes. */
  readonly staleAfterMs?: number | undefined;
  /** Traces verified per batch (two queries each), at most 500, which is the default. */
  readonly batchSize?: number | undefined;
}

/** Reported after each batch of `audit.run()`. */
export interface AuditProgress {
  readonly checked: number;
  readonly total: number;
}

/** A key an audit trusted: from the key set (`env`, `file`) or given in `trustedKeys` (`caller`). */
export interface AuditTrustedKey {
  readonly verifier_key: string;
  readonly source: 'env' | 'file' | 'caller';
  /** Null for a key the caller gave. */
  readonly status: 'current' | 'retired' | null;
  readonly retired_at: string | null;
}

/** A sealed trace that did not verify. */
export interface AuditFailureView {
  readonly run_id: string;
  readonly tenant_id: string;
  readonly trace_id: string;
  readonly reason: string;
  readonly first_divergent_step: number | null;
}

/**
 * What `audit.run()` found: every sealed trace verified, then runs and traces checked against
 * each other. Any finding (verification failures included) means the record is not intact.
 */
export interface AuditReport {
  readonly tenant_id: string | null;
  readonly trusted_keys: AuditTrustedKey[];
  readonly checked: number;
  readonly verified: number;
  readonly failures: AuditFailureView[];
  /** Traces not sealed yet (running or retrying runs, and whatever the findings name). */
  readonly unsealed: number;
  readonly traces: number;
  readonly runs_expecting_trace: number;
  readonly stale_after_ms: number;
  /** Every tenant log checked (all of them, whatever `limit`), as re-derived from its leaves. */
  readonly logs: TenantLogSummary[];
  /** Sealed traces waiting for the sequencer for less than `stale_after_ms`: not findings. */
  readonly log_queued: number;
  readonly findings: AuditFinding[];
}

/** Which runs `recovery.recoverStale()` finishes. */
export interface RecoveryOptions {
  /** Only runs with no progress for this long (default 15 minutes); 0 takes every running run. */
  readonly olderThanMs?: number | undefined;
  readonly tenantId?: string | undefined;
}

/** What `recovery.recoverStale()` finished: each run failed, its trace aborted and sealed. */
export interface RecoveryReport {
  readonly older_than_ms: number;
  readonly tenant_id: string | null;
  readonly recovered: {
    readonly run_id: string;
    readonly tenant_id: string;
    readonly status: 'failed';
    readonly step_count: number;
    /** False when the run had no trace to seal. */
    readonly trace_sealed: boolean;
  }[];
}

/** How `worker.run()` works. */
export interface WorkerRunOptions {
  readonly concurrency: number;
  readonly once?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onAttempt?: ((attempt: WorkerAttempt) => void) | undefined;
  readonly onRecovery?: ((report: QueueRecoveryReport) => void) | undefined;
  /** graphile-worker's and the sequencer's warnings and errors, one line each. */
  readonly onLog?: ((message: string) => void) | undefined;
  /** Told once the runner works (it has connected and checked the queue's schema). */
  readonly onStarted?: (() => void) | undefined;
}

/** What a worker did with one job of a run (`worker.run`'s `onAttempt`). */
export type WorkerAttempt = RunAttemptReport;

/** `demo.checkDeterminism()`: json_transform executed twice on one input, outside any run. */
export interface DeterminismCheck {
  readonly skill: 'json_transform';
  readonly outputs: [JsonValue, JsonValue];
  /** SHA-256 of each output's canonical JSON (RFC 8785). */
  readonly hashes: [string, string];
  /** True only when the two hashes are equal. */
  readonly deterministic: boolean;
}

/** A budget alert as stored in `budget_alerts`. */
export interface BudgetAlertView {
  readonly id: number;
  readonly level: AlertLevel;
  readonly period: AlertPeriod;
  readonly message: string;
  readonly spend_cents: number;
  readonly limit_cents: number;
}

/** `demo.recordCostEvent()`: the event as stored, the tenant's spend after it and the alerts it wrote. */
export interface CostEventReport {
  readonly event_id: number;
  readonly tenant_id: string;
  readonly cost_cents: number;
  readonly created_at: string;
  readonly daily_spend_cents: number;
  readonly hourly_spend_cents: number;
  readonly alerts: BudgetAlertView[];
}

/** A registered skill, as `skills.list()` gives it. */
export type SkillSummary = SkillListing;

/**
 * The operators' use cases of one AOS deployment: what `int-cli` does, none of which creates a
 * run. Plain data in and out, errors as `AosError`s with stable codes. The store is opened by
 * the first method that needs it (or by `connect()`), so key administration works without a
 * database; the private signing key is loaded only by the methods that seal
 * (`recovery.recoverStale`, `worker.run`).
 */
export interface AosOps {
  /** Where this facade works; describing it opens nothing. */
  readonly store: StoreInfo;
  /**
   * Opens the store now (lock, connection, migrations unless `migrate: false`) instead of at the
   * first method that needs it: to time the open, or to fail before doing anything else.
   */
  connect(): Promise<void>;
  readonly roles: {
    /** The idempotent SQL that creates the database roles; connects to nothing. */
    sql(): string;
    /**
     * Creates the roles that are missing, working as the login (which must be allowed to create
     * roles); running it again changes nothing.
     */
    ensure(): Promise<RolesEnsured>;
  };
  readonly migrations: {
    /** Every known migration and whether the store has it. */
    status(): Promise<MigrationState[]>;
    /** Applies what is pending, all or nothing (MIGRATION_FAILED names the one that failed). */
    apply(): Promise<MigrationsApplied>;
  };
  readonly keys: {
    /** The trusted key set, read without loading or creating a private key; no store needed. */
    show(): Promise<KeyStatus>;
    /** Creates the first signing key file; an existing one is never replaced (INVALID_INPUT). */
    generate(options?: { readonly name?: string | undefined }): Promise<GeneratedKey>;
    /** Replaces the signing key; the old verifier key stays trusted as retired (KEY_NOT_FOUND without one). */
    rotate(options?: { readonly origin?: string | undefined }): Promise<RotatedKey>;
  };
  readonly quotas: {
    /** A tenant's stored limits (or the defaults) and its spend. */
    get(tenantId: string): Promise<TenantQuotaReport>;
    /** Sets some limits (the others keep theirs), validated before anything is written. */
    set(tenantId: string, patch: QuotaPatch): Promise<TenantQuotaReport>;
  };
  readonly audit: {
    /** Verifies every sealed trace against the trusted key set and checks runs and traces cover each other. */
    run(options?: AuditOptions, onProgress?: (progress: AuditProgress) => void): Promise<AuditReport>;
  };
  readonly recovery: {
    /** Finishes runs a crashed process left running: failed, trace aborted and sealed, no step lost. */
    recoverStale(options?: RecoveryOptions): Promise<RecoveryReport>;
  };
  readonly worker: {
    /**
     * Runs a graphile-worker runner (SPEC §14) on this Postgres server until `signal` aborts —
     * then drains: no new job, each attempt in progress finishes its current step and releases
     * its run — or, with `once`, until no job is due. Runs `concurrency` jobs at once, the
     * recovery task every 15 s, and the tenant-log sequencer (active, or standby behind
     * another process). A run's own failure is recorded on the run, reported to `onAttempt`,
     * never thrown. CONFIG_INVALID on the embedded database (local mode executes inline).
     */
    run(options: WorkerRunOptions): Promise<void>;
  };
  readonly demo: {
    /** Executes json_transform twice on `input` for `tenantId`, outside any run (none is created). */
    checkDeterminism(request: { readonly tenantId: string; readonly input: JsonValue }): Promise<DeterminismCheck>;
    /** Records a cost outside any run and reads back the event, the tenant's spend and the alerts it wrote. */
    recordCostEvent(request: { readonly tenantId: string; readonly costCents: number }): Promise<CostEventReport>;
  };
  readonly skills: {
    /** The registered skills, in registry order. */
    list(): Promise<SkillSummary[]>;
  };
  readonly tenants: {
    /** Creates a tenant (name defaults to the id); TENANT_EXISTS when the id is taken. */
    create(input: { readonly tenantId: string; readonly name?: string | undefined }): Promise<TenantView>;
    list(): Promise<TenantView[]>;
    /** A suspended tenant's keys are refused (FORBIDDEN); its data stays. */
    suspend(tenantId: string): Promise<TenantView>;
    resume(tenantId: string): Promise<TenantView>;
  };
  readonly apiKeys: {
    /** A new key of an existing tenant (every scope unless narrowed); `key` is shown once. */
    create(input: {
      readonly tenantId: string;
      readonly scopes?: readonly string[] | undefined;
      readonly name?: string | undefined;
    }): Promise<CreatedApiKeyView>;
    list(query?: { readonly tenantId?: string | undefined }): Promise<ApiKeyView[]>;
    /** Revokes a key for good; API_KEY_NOT_FOUND for an unknown id; revoking twice changes nothing. */
    revoke(keyId: string): Promise<ApiKeyView>;
  };
  readonly agents: {
    /** Creates an agent shared by every tenant: operators only (customers create their tenant's own). */
    createShared(input: {
      readonly name: string;
      readonly budgetCents?: number | undefined;
      readonly description?: string | undefined;
    }): Promise<AgentView>;
  };
  /** Closes the store if it was opened (releasing the embedded directory's lock). Idempotent. */
  close(): Promise<void>;
}

/** A tenant of a service deployment. */
export interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly status: TenantStatus;
  readonly created_at: string;
  readonly updated_at: string;
}

/** An API key as lists show it: its prefix, never its secret or hash. */
export interface ApiKeyView {
  readonly id: string;
  readonly tenant_id: string;
  readonly prefix: string;
  readonly scopes: ApiKeyScope[];
  readonly name: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

/** A key just created: `key` (`aos_<prefix>_<secret>`) exists nowhere else. */
export interface CreatedApiKeyView {
  readonly api_key: ApiKeyView;
  readonly key: string;
}
