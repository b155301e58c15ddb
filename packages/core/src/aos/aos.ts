import { exportProofBundleToFile, exportStepInclusionProof, getRunProof } from '@aos/proof/postgres';
import type { SigningKey, StepInclusionProof } from '@aos/proof';
import type { Kysely } from 'kysely';
import type { BundleSink } from '@aos/proof/node';
import {
  changeAgentStatus,
  createAgent,
  getAgentForTenant,
  listAgents,
  type AgentAction,
  type CreateAgentInput,
} from '../agents/agent-service';
import { readTenantBudget } from '../budget/budget-report';
import type { Database, Run } from '../db/schema';
import { getRun, listRuns, type ListRunsInputSchema } from '../queries/run-queries';
import type { RunEventListener } from '../runner/run-events';
import { openRuntime, type AosRuntime } from '../runtime';
import { drainTenantLog } from '../tenant-log/log-sequencer';
import { logCheckpoint, logProof } from '../tenant-log/log-views';
import { verifyTenantLog } from './log-verification';
import { cancelRun } from '../runner/run-cancel';
import { planRun } from '../runner/run-executor';
import { checkPlannerSettings } from '../planner/generate-plan';
import { executeRunToEnd, runGoal } from '../runs/run-goal';
import { enqueueRun } from '../queue/run-queue';
import { createRun, type CreateRunInput } from '../runs/create-run';
import { deleteSecret, listSecrets, setSecret } from '../secrets/secret-store';
import { skillListing } from '../skills/skill-types';
import type { z } from 'zod';
import type { AosConfig } from './aos-config';
import type {
  AgentListView,
  AgentView,
  BudgetView,
  LogCheckpointView,
  LogProofView,
  LogVerification,
  PROOF_EXPORT_FORMATS,
  ProofReport,
  RunDetailsView,
  RunListView,
  RunOutcome,
  RunView,
  SecretView,
  SetSecretOutcome,
  SkillView,
  TrustedKeysView,
} from './aos-contract';
import { agentView, runDetailsView, runView, secretView, setSecretOutcome } from './views';

/** One agent, as a tenant names it. */
export interface AgentRef {
  readonly tenantId: string;
  readonly agentId: string;
}

/** One run of one tenant. */
export interface RunRef {
  readonly tenantId: string;
  readonly runId: string;
}

/** How `runs.run` and `runs.execute` report on and stop a run. */
export interface RunOptions {
  readonly onEvent?: RunEventListener | undefined;
  /**
   * The user's Ctrl-C. Locally, once aborted, the step in progress finishes and the run ends
   * `halted` with `interrupted by the user`, its trace sealed; the call then returns that run.
   * Remotely the run belongs to the server: aborting stops following and the call returns the
   * run as it is then (still going on the server).
   */
  readonly interrupt?: AbortSignal | undefined;
}

/**
 * What a customer can do with AOS: the one interface every face implements. The local CLI
 * gets it from {@link openAos}; the HTTP API serves it; the remote client implements it over
 * HTTP. Plain data in, plain data out (the schemas of `aos-contract.ts`); failures are
 * `AosError`s (or `@aos/proof` errors) with stable codes.
 */
export interface Aos {
  readonly agents: {
    /** Creates an agent of a tenant (or a shared one when `tenantId` is absent). */
    create(input: CreateAgentInput): Promise<AgentView>;
    /**
     * A page of every agent, or of the ones a tenant can use (its own and the shared ones),
     * oldest first; pass its `next_cursor` back as `cursor` for the next page (null on the last).
     * `limit` 1..1000, default 50. A malformed cursor is INVALID_INPUT.
     */
    list(query?: {
      readonly tenantId?: string | undefined;
      readonly limit?: number | undefined;
      readonly cursor?: string | undefined;
    }): Promise<AgentListView>;
    /** One agent the tenant can use (its own or a shared one); anything else is AGENT_NOT_FOUND. */
    get(ref: AgentRef): Promise<AgentView>;
    /**
     * Pauses one of the tenant's agents: it starts no new run (creating one is AGENT_NOT_ACTIVE)
     * until resumed. Runs already created go on. A shared agent is FORBIDDEN (operators manage
     * those); an archived one is AGENT_ARCHIVED. Pausing a paused agent returns it unchanged.
     */
    pause(ref: AgentRef): Promise<AgentView>;
    /** Makes a paused agent active again; an archived one is AGENT_ARCHIVED (archiving is final). */
    resume(ref: AgentRef): Promise<AgentView>;
    /**
     * Archives one of the tenant's agents for good: never deleted (its runs refer to it), never
     * active again, listed with status `archived`.
     */
    archive(ref: AgentRef): Promise<AgentView>;
  };
  readonly runs: {
    /**
     * Creates the run and executes it to a terminal status, reporting progress to `onEvent`.
     * A repeated idempotency key returns the existing run. See {@link RunOptions} for `interrupt`.
     */
    run(input: CreateRunInput, options?: RunOptions): Promise<RunOutcome>;
    /**
     * Creates the run (`queued`) without executing it: the HTTP API answers with it at once and
     * the run is executed afterwards (`execute`, or a worker). A repeated idempotency key
     * returns the existing run with `created: false`.
     */
    create(input: CreateRunInput): Promise<{ readonly run: RunView; readonly created: boolean }>;
    /**
     * Executes a tenant's queued (or retrying) run to a terminal status; a finished run comes
     * back as it is. Another tenant's run is RUN_NOT_FOUND.
     */
    execute(ref: RunRef, options?: RunOptions): Promise<RunOutcome>;
    /** One run with its plan, trace and steps; another tenant's run is RUN_NOT_FOUND. */
    get(ref: RunRef): Promise<RunDetailsView>;
    /**
     * A page of a tenant's runs, newest first; pass its `next_cursor` back as `cursor` for the
     * next page (null on the last). A malformed cursor is INVALID_INPUT.
     */
    list(query: z.input<typeof ListRunsInputSchema>): Promise<RunListView>;
    /**
     * Cancels a `queued` or `retry` run: it ends `halted` with error `cancelled`, its trace
     * (begun empty if the run never started) completed `aborted`, sealed and logged, so its
     * proof verifies. A run being executed is RUN_EXECUTING (try again: it is never taken from
     * its executor); a finished run is RUN_FINISHED; another tenant's run is RUN_NOT_FOUND.
     */
    cancel(ref: RunRef): Promise<RunView>;
  };
  readonly proofs: {
    /** The verifier keys proofs are checked against (no private key is read). */
    trustedKeys(): Promise<TrustedKeysView>;
    /**
     * Recomputes the run's hash chain, Merkle root and checkpoint signature from its stored
     * rows against the trusted keys, and checks its tenant-log receipt (SPEC §13) — with
     * `logCheckpoint` (a tenant checkpoint saved before), also that the log extends it. A
     * missing run (or another tenant's) is RUN_NOT_FOUND; a run with nothing sealed (or not yet
     * in its log) is UNSUPPORTED.
     */
    verify(ref: RunRef & { readonly logCheckpoint?: string | undefined }): Promise<ProofReport>;
    /**
     * Writes the run's proof bundle to a file (mode 0600) or a stream, a batch of steps at a
     * time; with `sinceSize`, its receipt carries a consistency proof from that log size.
     */
    exportBundle(
      ref: RunRef & { readonly target: string | BundleSink; readonly sinceSize?: number | undefined },
    ): Promise<{ readonly format: (typeof PROOF_EXPORT_FORMATS)[0] }>;
    /** The RFC 9162 inclusion proof of one step (0-based step index). */
    stepProof(ref: RunRef & { readonly stepIndex: number }): Promise<StepInclusionProof>;
  };
  readonly log: {
    /** The tenant's newest log checkpoint as stored, with cosignatures (null: none yet). Not verified. */
    checkpoint(query: { readonly tenantId: string }): Promise<LogCheckpointView | null>;
    /** The RFC 9162 consistency proof between two sizes of the tenant's log. */
    consistency(query: {
      readonly tenantId: string;
      readonly from: number;
      readonly to: number;
    }): Promise<LogProofView>;
    /** The RFC 9162 inclusion proof of leaf `index` in the tenant's log of `size` leaves. */
    inclusion(query: {
      readonly tenantId: string;
      readonly index: number;
      readonly size: number;
    }): Promise<LogProofView>;
    /**
     * Verifies the newest checkpoint against the trusted keys and, given `since` (a checkpoint
     * saved before), that the log extends it. Never trusts the store's or server's word.
     */
    verify(query: { readonly tenantId: string; readonly since?: string | undefined }): Promise<LogVerification>;
  };
  readonly budget: {
    /** The tenant's limits and what it has spent this hour and today (SPEC §8). */
    get(query: { readonly tenantId: string }): Promise<BudgetView>;
  };
  readonly skills: {
    /** The skills plans can use, with each one's input JSON Schema. */
    list(): Promise<SkillView[]>;
  };
  readonly secrets: {
    /** Stores (or replaces) a secret, encrypted; the value never comes back. */
    set(input: { readonly tenantId: string; readonly name: string; readonly value: string }): Promise<SetSecretOutcome>;
    /** Names and dates of a tenant's secrets. */
    list(query: { readonly tenantId: string }): Promise<SecretView[]>;
    /** Deletes one; SECRET_NOT_FOUND when the tenant has none of that name. */
    delete(ref: { readonly tenantId: string; readonly name: string }): Promise<SecretView>;
  };
  /** Releases the database (and the embedded directory's lock). */
  close(): Promise<void>;
}

/**
 * Opens AOS locally: the store (a server when a URL is given or DATABASE_URL is set, the
 * embedded database under AOS_HOME otherwise) and the skill registry. No key is read here:
 * proofs read the public key set when they verify, and only `runs.run`, which seals, loads
 * the private signing key — before it writes anything, so a key problem leaves no run behind.
 *
 * @example
 * ```ts
 * const aos = await openAos({ env: process.env })
 * try {
 *   const agent = await aos.agents.create({ name: 'helper', tenantId: 'acme' })
 *   const { run } = await aos.runs.run({ tenantId: 'acme', agentId: agent.id, goal: 'echo hi' })
 * } finally { await aos.close() }
 * ```
 */
export async function openAos(config: AosConfig): Promise<Aos> {
  const runtime = await openRuntime({
    env: config.env,
    databaseUrl: config.databaseUrl,
    onLockWait: config.onLockWait,
    onDatabaseCreate: config.onDatabaseCreate,
    migrate: config.migrate,
  });
  return aosOver(runtime);
}

/** How a service changes the facade: its own sequencer instead of the inline one. */
export interface AosOverOptions {
  /** Called after each seal instead of sequencing inline (the server wakes its sequencer). */
  readonly afterSeal?: ((db: Kysely<Database>, tenantId: string) => Promise<unknown>) | undefined;
  /**
   * Service mode (SPEC §14): `runs.create` inserts the run and its graphile-worker job in one
   * transaction, for a worker to execute.
   */
  readonly queueRuns?: boolean | undefined;
}

/**
 * Creates a run and its job in one transaction (SPEC §14). Two creators racing on one
 * idempotency key: the loser's transaction is aborted by the unique violation, so it tries once
 * more and then finds the winner's run (and adds no job).
 */
async function createQueuedRun(db: Kysely<Database>, input: CreateRunInput): Promise<{ run: Run; created: boolean }> {
  const attempt = () =>
    db.transaction().execute(async (trx) => {
      const made = await createRun(trx, input);
      if (made.created) await enqueueRun(trx, made.run.id);
      return made;
    });
  try {
    return await attempt();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (input.idempotencyKey === undefined || (code !== '23505' && code !== '25P02')) throw error;
    return attempt();
  }
}

/** The facade over an open runtime (core-internal: the service builds on the same runtime). */
export function aosOver(runtime: AosRuntime, options: AosOverOptions = {}): Aos {
  const store = runtime.store;
  // Every tenant's work goes through its own handle, so Postgres (not this code) keeps tenants
  // apart; only the operator's shared-agent work, which has no tenant, works as the login.
  const tenantDb = (tenantId: string): Kysely<Database> => store.forTenant(tenantId);
  const agentsDb = (tenantId: string | null | undefined): Kysely<Database> =>
    tenantId == null ? store.admin : store.forTenant(tenantId);
  // Local mode sequences inline (SPEC §13): right after a seal, the tenant's queued runs join
  // its log under a checkpoint signed with the same key. A service passes its own afterSeal.
  const inlineLog =
    (signingKey: SigningKey) =>
    async (db: Kysely<Database>, tenantId: string): Promise<void> => {
      const keySet = await runtime.keySet();
      await drainTenantLog(db, tenantId, { signingKey, trustedKeys: keySet.keys });
    };
  const afterSeal = (signingKey: SigningKey) => options.afterSeal ?? inlineLog(signingKey);
  const changeAgent = ({ tenantId, agentId }: AgentRef, action: AgentAction) =>
    changeAgentStatus(tenantDb(tenantId), { tenantId, agentId, action });
  const trustedKeys = async (): Promise<TrustedKeysView> => {
    const keySet = await runtime.keySet();
    return { current: keySet.current?.verifierKey ?? null, keys: keySet.keys.map((k) => k.verifierKey) };
  };
  return {
    agents: {
      create: async (input) => agentView(await createAgent(agentsDb(input.tenantId), input)),
      async list(query = {}) {
        const page = await listAgents(agentsDb(query.tenantId), query);
        return { agents: page.agents.map(agentView), next_cursor: page.nextCursor };
      },
      get: async ({ tenantId, agentId }) => agentView(await getAgentForTenant(tenantDb(tenantId), agentId, tenantId)),
      pause: async (ref) => agentView(await changeAgent(ref, 'pause')),
      resume: async (ref) => agentView(await changeAgent(ref, 'resume')),
      archive: async (ref) => agentView(await changeAgent(ref, 'archive')),
    },
    runs: {
      async run(input, options = {}) {
        // A bad planner setting is a usage error before anything is written, a key file included.
        checkPlannerSettings(runtime.env);
        const signingKey = await runtime.signer();
        const result = await runGoal(tenantDb(input.tenantId), input, {
          registry: runtime.registry,
          env: runtime.env,
          signingKey,
          onEvent: options.onEvent,
          interrupt: options.interrupt,
          afterSeal: afterSeal(signingKey),
        });
        return { run: runView(result.run), created: result.created, steps_executed: result.stepsExecuted };
      },
      async create(input) {
        const db = tenantDb(input.tenantId);
        const { run, created } = options.queueRuns ? await createQueuedRun(db, input) : await createRun(db, input);
        return { run: runView(run), created };
      },
      async execute({ tenantId, runId }, options = {}) {
        const db = tenantDb(tenantId);
        const { run } = await getRun(db, tenantId, runId);
        const signingKey = await runtime.signer();
        const deps = {
          registry: runtime.registry,
          env: runtime.env,
          signingKey,
          onEvent: options.onEvent,
          interrupt: options.interrupt,
          afterSeal: afterSeal(signingKey),
        };
        const result = await executeRunToEnd(db, run, deps);
        return { run: runView(result.run), created: false, steps_executed: result.stepsExecuted };
      },
      get: async ({ tenantId, runId }) => runDetailsView(await getRun(tenantDb(tenantId), tenantId, runId)),
      async list(query) {
        const page = await listRuns(tenantDb(query.tenantId), query);
        return { runs: page.runs.map(runView), next_cursor: page.nextCursor };
      },
      async cancel({ tenantId, runId }) {
        const db = tenantDb(tenantId);
        // Read first: a missing run (or another tenant's) is RUN_NOT_FOUND before any key is loaded.
        const { run: before } = await getRun(db, tenantId, runId);
        const signingKey = await runtime.signer();
        // A queued run is planned like at every entry point (SPEC §4), so its cancellation is
        // sealed over the plan it would have run (a planning failure ends it failed instead).
        if (before.plan_json === null && (before.status === 'queued' || before.status === 'retry')) {
          await planRun(db, runId, { registry: runtime.registry, env: runtime.env, signingKey });
        }
        const { run, traceSealed } = await cancelRun(db, { tenantId, runId, signingKey });
        if (traceSealed) await afterSeal(signingKey)(db, tenantId);
        return runView(run);
      },
    },
    proofs: {
      trustedKeys,
      async verify({ tenantId, runId, logCheckpoint }) {
        // The deployment's whole key set, read without touching the private key: a run sealed
        // before a key rotation verifies against its retired key.
        const keySet = await runtime.keySet();
        const db = tenantDb(tenantId);
        const result = await getRunProof(db, tenantId, runId, { trustedKeys: keySet.keys, logCheckpoint });
        // The coordinator answers "no trace" alike for a missing run, another tenant's run and
        // a run that failed before its trace began; only the first two are RUN_NOT_FOUND.
        if (result.aos_traces.length === 0) await getRun(db, tenantId, runId);
        return {
          run_id: result.run_id,
          integrity: result.integrity,
          trace_count: result.aos_traces.length,
          step_count: result.aos_trace_steps.length,
          aos_traces: result.aos_traces,
          aos_trace_steps: result.aos_trace_steps,
          verified_at: result.verified_at,
          trusted_keys: { current: keySet.current?.verifierKey ?? null, keys: keySet.keys.map((k) => k.verifierKey) },
        };
      },
      async exportBundle({ tenantId, runId, target, sinceSize }) {
        const { format } = await exportProofBundleToFile(tenantDb(tenantId), tenantId, runId, target, { sinceSize });
        return { format };
      },
      stepProof: ({ tenantId, runId, stepIndex }) =>
        exportStepInclusionProof(tenantDb(tenantId), tenantId, runId, stepIndex),
    },
    log: {
      checkpoint: ({ tenantId }) => logCheckpoint(tenantDb(tenantId), tenantId),
      consistency: ({ tenantId, from, to }) => logProof(tenantDb(tenantId), tenantId, 'consistency', from, to),
      inclusion: ({ tenantId, index, size }) => logProof(tenantDb(tenantId), tenantId, 'inclusion', index, size),
      async verify({ tenantId, since }) {
        const db = tenantDb(tenantId);
        const keySet = await runtime.keySet();
        const source = {
          checkpoint: () => logCheckpoint(db, tenantId),
          consistency: async (from: number, to: number) =>
            (await logProof(db, tenantId, 'consistency', from, to)).proof,
        };
        return verifyTenantLog(source, tenantId, keySet.keys, since);
      },
    },
    budget: {
      get: ({ tenantId }) => readTenantBudget(tenantDb(tenantId), tenantId),
    },
    skills: {
      list: () => Promise.resolve(runtime.registry.manifest().map(skillListing)),
    },
    secrets: {
      set: async (input) => setSecretOutcome(await setSecret(tenantDb(input.tenantId), input, { env: runtime.env })),
      list: async ({ tenantId }) => (await listSecrets(tenantDb(tenantId), tenantId)).map(secretView),
      delete: async ({ tenantId, name }) => secretView(await deleteSecret(tenantDb(tenantId), tenantId, name)),
    },
    close: () => runtime.close(),
  };
}

/**
 * Opens AOS for one piece of work and always closes it, so the embedded directory's lock is
 * released even when the work fails.
 *
 * @example
 * ```ts
 * const { runs } = await withAos({ env: process.env }, (aos) => aos.runs.list({ tenantId: 'acme', limit: 5 }))
 * ```
 */
export async function withAos<T>(config: AosConfig, use: (aos: Aos) => Promise<T>): Promise<T> {
  const aos = await openAos(config);
  try {
    return await use(aos);
  } finally {
    await aos.close();
  }
}
