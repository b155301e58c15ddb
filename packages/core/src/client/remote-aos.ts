import {
  parseVerifierKey,
  RUN_STATUSES,
  StepInclusionProofSchema,
  verifyStepInclusionProof,
  type StepInclusionProof,
} from '@aos/proof';
import { verifyProofBundleFile } from '@aos/proof/node';
import { z } from 'zod';
import { CreateAgentInputSchema } from '../agents/agent-input';
import {
  AgentListViewSchema,
  AgentViewSchema,
  BudgetViewSchema,
  LogCheckpointViewSchema,
  LogProofViewSchema,
  PROOF_EXPORT_FORMATS,
  ProofReportSchema,
  RunDetailsViewSchema,
  RunListViewSchema,
  RunViewSchema,
  SecretViewSchema,
  SetSecretOutcomeSchema,
  TrustedKeysViewSchema,
  type LogCheckpointView,
  type LogProofView,
  type ProofReport,
  type RunDetailsView,
  type RunOutcome,
  type RunView,
  type TrustedKeysView,
} from '../aos/aos-contract';
import {
  CreatedRunViewSchema,
  SecretListViewSchema,
  SkillListViewSchema,
  WhoAmIViewSchema,
  type WhoAmIView,
} from '../aos/api-contract';
import { AosError, InvalidInputError } from '../errors';
import { verifyTenantLog } from '../aos/log-verification';
import { CreateRunInputSchema } from '../runs/run-input';
import { secretNameSchema } from '../secrets/secret-references';
import { parseInput, tenantIdSchema, uuidSchema } from '../validation';
import type { Aos, CreateRunInput, RunOptions, RunRef } from './aos-types';
import { BundleCache } from './bundle-download';
import { errorFromAnswer, HttpClient, type FetchFunction } from './http-client';
import { followRun } from './run-follower';

/** How to reach an AOS server, and the verifier keys its proofs must be signed with. */
export interface ConnectAosOptions {
  /** Base URL of the API, e.g. `https://aos.example.com` (routes are under `/v1`). */
  readonly apiUrl: string;
  /** A tenant API key (`aos_<prefix>_<secret>`): the tenant is the key's. */
  readonly apiKey: string;
  /**
   * The pinned verifier keys (`name+hash+base64`): proofs are verified against these alone,
   * never against the server's verdict or the keys it publishes at the moment.
   */
  readonly trustedKeys: readonly string[];
  /** Defaults to the global `fetch`. */
  readonly fetch?: FetchFunction | undefined;
}

/** The {@link Aos} facade over HTTP, plus who the key speaks for. */
export interface RemoteAos extends Aos {
  /** The API URL this client talks to. */
  readonly apiUrl: string;
  /** Tenant, key id, prefix and scopes of the API key (asked once, then remembered). */
  whoami(): Promise<WhoAmIView>;
}

const ListRunsInputSchema = z
  .object({
    tenantId: tenantIdSchema,
    status: z.enum(RUN_STATUSES).optional(),
    limit: z.number().int().min(1).max(1000).default(50),
    // Opaque here: the server decodes it and refuses a malformed one (INVALID_INPUT).
    cursor: z.string().optional(),
  })
  .strict();

const ListAgentsInputSchema = z
  .object({
    tenantId: tenantIdSchema.optional(),
    limit: z.number().int().min(1).max(1000).default(50),
    cursor: z.string().optional(),
  })
  .strict();

const NO_TRACE = 'No trace found for run';
const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'halted']);

/**
 * Connects to an AOS server: an object implementing the same {@link Aos} interface as the local
 * facade, over the HTTP API (docs/api.md), so a command cannot tell which it was given. The
 * tenant is the API key's: a call naming another tenant is refused (INVALID_INPUT) before
 * anything is sent. Proofs are downloaded and verified here, against `trustedKeys` only.
 * Nothing is sent until the first call.
 *
 * @example
 * ```ts
 * const aos = connectAos({ apiUrl: 'https://aos.example.com', apiKey, trustedKeys: [pinnedKey] })
 * const { tenant_id } = await aos.whoami()
 * const report = await aos.proofs.verify({ tenantId: tenant_id, runId })
 * await aos.close()
 * ```
 */
export function connectAos(options: ConnectAosOptions): RemoteAos {
  for (const key of options.trustedKeys) parseVerifierKey(key);
  const http = new HttpClient(options);
  const trustedKeys = [...new Set(options.trustedKeys)];
  const bundles = new BundleCache();
  let identity: Promise<WhoAmIView> | null = null;

  const whoami = (): Promise<WhoAmIView> => {
    identity ??= http
      .request({ method: 'GET', path: '/v1/whoami', route: 'GET /v1/whoami', schema: WhoAmIViewSchema })
      .then((answer) => answer.body);
    identity.catch(() => (identity = null));
    return identity;
  };
  /** The key's tenant, after checking that the caller named that one (or none). */
  const tenantOf = async (given: string | null | undefined): Promise<string> => {
    const { tenant_id: tenant } = await whoami();
    if (given !== undefined && given !== null && given !== tenant) {
      throw new InvalidInputError(
        `tenantId: ${JSON.stringify(given)} is not the tenant of this API key (${JSON.stringify(tenant)}); in remote mode the tenant is the key's`,
        { field: 'tenantId' },
      );
    }
    return tenant;
  };
  const runPath = (runId: string): string => `/v1/runs/${encodeURIComponent(runId)}`;
  const agentPath = (agentId: string): string => `/v1/agents/${encodeURIComponent(agentId)}`;
  // The id is checked here as locally (INVALID_INPUT naming it), so nothing malformed is sent.
  const agentRequest = async (
    ref: { readonly tenantId: string; readonly agentId: string },
    action: 'pause' | 'resume' | 'archive' | null,
  ) => {
    const agentId = parseInput(uuidSchema, ref.agentId, 'agent_id');
    await tenantOf(ref.tenantId);
    const { body } = await http.request({
      method: action === null ? 'GET' : 'POST',
      path: action === null ? agentPath(agentId) : `${agentPath(agentId)}/${action}`,
      route: action === null ? 'GET /v1/agents/{id}' : `POST /v1/agents/{id}/${action}`,
      schema: AgentViewSchema,
    });
    return body;
  };
  const getDetails = async (ref: RunRef) => {
    await tenantOf(ref.tenantId);
    const { body } = await http.request({
      method: 'GET',
      path: runPath(ref.runId),
      route: 'GET /v1/runs/{id}',
      schema: RunDetailsViewSchema,
    });
    return body;
  };
  const logCheckpoint = async ({ tenantId }: { readonly tenantId: string }): Promise<LogCheckpointView | null> => {
    await tenantOf(tenantId);
    const route = 'GET /v1/log/checkpoint';
    const response = await http.send('GET', '/v1/log/checkpoint', { route });
    if (response.status === 404) {
      const error = errorFromAnswer(route, response.status, await response.text());
      if ((error as { code?: string }).code === 'LOG_NOT_FOUND') return null;
      throw error;
    }
    if (!response.ok) throw errorFromAnswer(route, response.status, await response.text());
    const parsed = LogCheckpointViewSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new AosError('API_BAD_RESPONSE', `${route}: the answer is not a log checkpoint`);
    return parsed.data;
  };
  const logProof = async (kind: 'consistency' | 'inclusion', query: string): Promise<LogProofView> => {
    const { body } = await http.request({
      method: 'GET',
      path: `/v1/log/proof/${kind}?${query}`,
      route: `GET /v1/log/proof/${kind}`,
      schema: LogProofViewSchema,
    });
    return body;
  };
  const createRun = async (input: CreateRunInput) => {
    const parsed = parseInput(CreateRunInputSchema, input, 'create_run');
    if (input.maxAttempts !== undefined) {
      throw new InvalidInputError('maxAttempts: the server decides how often a run is attempted', {
        field: 'maxAttempts',
      });
    }
    await tenantOf(parsed.tenantId);
    const { body } = await http.request({
      method: 'POST',
      path: '/v1/runs',
      route: 'POST /v1/runs',
      body: { agent_id: parsed.agentId, goal: parsed.goal, origin_system_id: parsed.originSystemId },
      headers: parsed.idempotencyKey === undefined ? {} : { 'idempotency-key': parsed.idempotencyKey },
      schema: CreatedRunViewSchema,
    });
    return body;
  };
  const follow = async (ref: RunRef, created: boolean, options: RunOptions): Promise<RunOutcome> => {
    const { onEvent, interrupt } = options;
    const details = await getDetails(ref);
    // A finished run comes back as it is (as locally); one this call created is followed from its
    // first step even when the server has already finished it, so all its events are reported.
    if (TERMINAL_STATUSES.has(details.run.status) && !created) {
      return { run: stripPlan(details.run), created, steps_executed: 0 };
    }
    // A run with no step yet is reported from its plan on too (`cus-cli run` creates, then
    // executes, to know the run's id before it follows).
    const fromStart = created || details.steps.length === 0;
    try {
      const { run, stepsSeen } = await followRun(http, details, { onEvent, fromStart, interrupt });
      return { run, created, steps_executed: stepsSeen };
    } catch (error) {
      // Interrupted: the run is the server's and goes on; the caller gets it as it is now.
      if (!interrupt?.aborted) throw error;
      return { run: stripPlan((await getDetails(ref)).run), created, steps_executed: 0 };
    }
  };

  const bundlePath = (runId: string, sinceSize: number | undefined): string =>
    `${runPath(runId)}/bundle${sinceSize === undefined ? '' : `?since_size=${sinceSize}`}`;
  const verify = async ({
    tenantId,
    runId,
    logCheckpoint,
  }: RunRef & { readonly logCheckpoint?: string | undefined }): Promise<ProofReport> => {
    await tenantOf(tenantId);
    const verifiedAt = new Date().toISOString();
    const pinned: TrustedKeysView = { current: trustedKeys[0] ?? null, keys: trustedKeys };
    const route = 'GET /v1/runs/{id}/bundle';
    const response = await http.send('GET', bundlePath(runId, savedSize(logCheckpoint)), { route });
    if (!response.ok) {
      const error = errorFromAnswer(route, response.status, await response.text());
      const code = (error as { code?: string }).code;
      if (code !== 'PROOF_NOT_SEALED' && code !== 'PROOF_NOT_FOUND') throw error;
      // As locally: a missing run (or another tenant's) is RUN_NOT_FOUND; a run with no trace
      // or an unsealed one is UNSUPPORTED, with what the run's record says about it.
      const details = await getDetails({ tenantId, runId });
      const reason =
        details.trace === null
          ? NO_TRACE
          : `trace ${details.trace.trace_id} is not sealed yet (status ${details.trace.status})`;
      return {
        run_id: runId,
        integrity: {
          model: 'HASH_CHAIN',
          verification_status: 'UNSUPPORTED',
          chain_length: details.trace?.chain_length ?? null,
          root_hash: details.trace?.root_hash ?? null,
          merkle_root: null,
          failure_reason: reason,
          first_divergent_step: null,
          signature_valid: false,
          outcome_unknown_steps: [],
          log_inclusion: null,
        },
        trace_count: 0,
        step_count: details.steps.length,
        aos_traces: [],
        aos_trace_steps: details.steps.map(stepSummaryOfView),
        verified_at: verifiedAt,
        trusted_keys: pinned,
      };
    }
    if (response.body === null) throw new AosError('API_BAD_RESPONSE', `${route}: the answer has no body`);
    const file = await bundles.store(runId, route, response.body);
    const verification = await verifyProofBundleFile(file, { trustedKeys, logCheckpoint });
    const bundle = await bundles.read(file);
    const summary = summarise(bundle);
    // A valid bundle of another run (or tenant) proves nothing about this one.
    const mismatch =
      summary.runId !== runId
        ? `the bundle served is of run ${summary.runId ?? 'unknown'}, not ${runId}`
        : summary.tenantId !== tenantId
          ? `the bundle served is of tenant ${summary.tenantId ?? 'unknown'}, not ${tenantId}`
          : null;
    const failed = mismatch !== null || verification.verification_status !== 'VERIFIED';
    const report: ProofReport = {
      run_id: runId,
      integrity: {
        model: 'HASH_CHAIN',
        verification_status: failed ? 'FAILED' : 'VERIFIED',
        chain_length: summary.trace?.chain_length ?? verification.chain_length,
        root_hash: summary.trace?.root_hash ?? verification.root_hash,
        merkle_root: summary.trace?.merkle_root ?? verification.merkle_root,
        failure_reason: mismatch ?? verification.failure_reason,
        first_divergent_step: mismatch === null ? verification.first_divergent_step : null,
        signature_valid: verification.signature_valid,
        outcome_unknown_steps: verification.outcome_unknown_steps,
        log_inclusion: failed ? null : verification.log_inclusion,
      },
      trace_count: summary.trace ? 1 : 0,
      step_count: summary.steps.length,
      aos_traces: summary.trace ? [summary.trace] : [],
      aos_trace_steps: summary.steps,
      verified_at: verifiedAt,
      trusted_keys: pinned,
    };
    if (ProofReportSchema.safeParse(report).success) return report;
    // A bundle too broken to summarise still gets its verdict, without the summaries.
    return {
      ...report,
      integrity: {
        ...report.integrity,
        verification_status: 'FAILED',
        failure_reason: report.integrity.failure_reason ?? 'bundle: its trace or steps cannot be summarised',
      },
      trace_count: 0,
      step_count: 0,
      aos_traces: [],
      aos_trace_steps: [],
    };
  };

  return {
    apiUrl: http.apiUrl,
    whoami,
    agents: {
      async create(input) {
        const parsed = parseInput(CreateAgentInputSchema, input, 'create_agent');
        await tenantOf(parsed.tenantId);
        const { body } = await http.request({
          method: 'POST',
          path: '/v1/agents',
          route: 'POST /v1/agents',
          body: { name: parsed.name, description: parsed.description, budget_cents: parsed.budgetCents ?? null },
          schema: AgentViewSchema,
        });
        return body;
      },
      async list(query = {}) {
        const parsed = parseInput(ListAgentsInputSchema, query, 'list_agents');
        await tenantOf(parsed.tenantId);
        const search = new URLSearchParams({ limit: String(parsed.limit) });
        if (parsed.cursor !== undefined) search.set('cursor', parsed.cursor);
        const { body } = await http.request({
          method: 'GET',
          path: `/v1/agents?${search.toString()}`,
          route: 'GET /v1/agents',
          schema: AgentListViewSchema,
        });
        return body;
      },
      get: (ref) => agentRequest(ref, null),
      pause: (ref) => agentRequest(ref, 'pause'),
      resume: (ref) => agentRequest(ref, 'resume'),
      archive: (ref) => agentRequest(ref, 'archive'),
    },
    runs: {
      async run(input, runOptions = {}) {
        const { run, created } = await createRun(input);
        return follow({ tenantId: run.tenant_id, runId: run.id }, created, runOptions);
      },
      create: createRun,
      execute: (ref, runOptions = {}) => follow(ref, false, runOptions),
      get: getDetails,
      async list(query) {
        const parsed = parseInput(ListRunsInputSchema, query, 'list_runs');
        await tenantOf(parsed.tenantId);
        const search = new URLSearchParams({ limit: String(parsed.limit) });
        if (parsed.status) search.set('status', parsed.status);
        if (parsed.cursor !== undefined) search.set('cursor', parsed.cursor);
        const { body } = await http.request({
          method: 'GET',
          path: `/v1/runs?${search.toString()}`,
          route: 'GET /v1/runs',
          schema: RunListViewSchema,
        });
        return body;
      },
      async cancel(ref) {
        const runId = parseInput(uuidSchema, ref.runId, 'run_id');
        await tenantOf(ref.tenantId);
        const { body } = await http.request({
          method: 'POST',
          path: `${runPath(runId)}/cancel`,
          route: 'POST /v1/runs/{id}/cancel',
          schema: RunViewSchema,
        });
        return body;
      },
    },
    proofs: {
      trustedKeys: () => Promise.resolve({ current: trustedKeys[0] ?? null, keys: [...trustedKeys] }),
      verify,
      async exportBundle({ tenantId, runId, target, sinceSize }) {
        await tenantOf(tenantId);
        let file = bundles.get(runId);
        if (file === undefined) {
          const route = 'GET /v1/runs/{id}/bundle';
          const response = await http.send('GET', bundlePath(runId, sinceSize), { route });
          if (!response.ok) throw errorFromAnswer(route, response.status, await response.text());
          if (response.body === null) throw new AosError('API_BAD_RESPONSE', `${route}: the answer has no body`);
          file = await bundles.store(runId, route, response.body);
        }
        await bundles.export(file, target);
        return { format: PROOF_EXPORT_FORMATS[0] };
      },
      async stepProof({ tenantId, runId, stepIndex }): Promise<StepInclusionProof> {
        await tenantOf(tenantId);
        const route = 'GET /v1/runs/{id}/steps/{n}/proof';
        const { body } = await http.request({
          method: 'GET',
          path: `${runPath(runId)}/steps/${stepIndex}/proof`,
          route,
          schema: StepInclusionProofSchema,
        });
        // Checked here against the pinned keys: a proof the server made up is never passed on.
        const checked = verifyStepInclusionProof(body, { trustedKeys });
        if (checked.verification_status !== 'VERIFIED') {
          throw new AosError(
            'INTEGRITY_VIOLATION',
            `${route}: the step proof does not verify: ${checked.failure_reason ?? 'unknown'}`,
          );
        }
        if (body.envelope.run_id !== runId || body.envelope.tenant_id !== tenantId) {
          throw new AosError('INTEGRITY_VIOLATION', `${route}: the step proof served is not of run ${runId}`);
        }
        return body;
      },
    },
    log: {
      checkpoint: logCheckpoint,
      consistency: async ({ tenantId, from, to }) => {
        await tenantOf(tenantId);
        return logProof('consistency', `from=${from}&to=${to}`);
      },
      inclusion: async ({ tenantId, index, size }) => {
        await tenantOf(tenantId);
        return logProof('inclusion', `index=${index}&size=${size}`);
      },
      async verify({ tenantId, since }) {
        const tenant = await tenantOf(tenantId);
        const source = {
          checkpoint: () => logCheckpoint({ tenantId: tenant }),
          consistency: async (from: number, to: number) =>
            (await logProof('consistency', `from=${from}&to=${to}`)).proof,
        };
        // Checked here against the pinned keys: the server's checkpoint and proofs are only data.
        return verifyTenantLog(source, tenant, trustedKeys, since);
      },
    },
    budget: {
      async get({ tenantId }) {
        await tenantOf(tenantId);
        const { body } = await http.request({
          method: 'GET',
          path: '/v1/budget',
          route: 'GET /v1/budget',
          schema: BudgetViewSchema,
        });
        return body;
      },
    },
    skills: {
      async list() {
        const { body } = await http.request({
          method: 'GET',
          path: '/v1/skills',
          route: 'GET /v1/skills',
          schema: SkillListViewSchema,
        });
        return body.skills;
      },
    },
    secrets: {
      async set({ tenantId, name, value }) {
        await tenantOf(tenantId);
        const secretName = parseInput(secretNameSchema, name, 'name');
        const { body } = await http.request({
          method: 'PUT',
          path: `/v1/secrets/${encodeURIComponent(secretName)}`,
          route: 'PUT /v1/secrets/{name}',
          body: { value },
          schema: SetSecretOutcomeSchema,
        });
        return body;
      },
      async list({ tenantId }) {
        await tenantOf(tenantId);
        const { body } = await http.request({
          method: 'GET',
          path: '/v1/secrets',
          route: 'GET /v1/secrets',
          schema: SecretListViewSchema,
        });
        return body.secrets;
      },
      async delete({ tenantId, name }) {
        await tenantOf(tenantId);
        const secretName = parseInput(secretNameSchema, name, 'name');
        const { body } = await http.request({
          method: 'DELETE',
          path: `/v1/secrets/${encodeURIComponent(secretName)}`,
          route: 'DELETE /v1/secrets/{name}',
          schema: SecretViewSchema,
        });
        return body;
      },
    },
    close: () => bundles.clear(),
  };
}

/** The size of a saved tenant checkpoint (its signature is checked by the verification that uses it). */
function savedSize(note: string | undefined): number | undefined {
  if (note === undefined) return undefined;
  const size = Number(note.split('\n')[1]);
  return Number.isSafeInteger(size) && size > 0 ? size : undefined;
}

/** The run of a run's details, without its plan. */
function stripPlan(run: RunDetailsView['run']): RunView {
  const { plan: _plan, ...view } = run;
  return view;
}

type ProofStepSummary = ProofReport['aos_trace_steps'][number];
type ProofTraceSummary = ProofReport['aos_traces'][number];

// The fields a proof report shows of a step, picked from a stored step by the report's own schema.
const ProofStepFields = z.object(ProofReportSchema.shape.aos_trace_steps.element.shape);

function stepSummaryOfView(step: RunDetailsView['steps'][number]): ProofStepSummary {
  return ProofStepFields.parse(step);
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * What a proof report shows of a downloaded bundle, read loosely (a tampered bundle is still
 * summarised as it is; the report's schema then decides whether the summary can be shown).
 */
function summarise(bundle: unknown): {
  runId: string | null;
  tenantId: string | null;
  trace: ProofTraceSummary | null;
  steps: ProofStepSummary[];
} {
  const document = record(bundle);
  const run = record(document.run);
  const trace = record(document.trace);
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  const steps = Array.isArray(document.steps) ? document.steps : [];
  return {
    runId: text(run.id),
    tenantId: text(run.tenant_id),
    trace:
      document.trace === undefined || document.trace === null
        ? null
        : ({
            trace_id: trace.trace_id,
            run_id: trace.run_id,
            tenant_id: trace.tenant_id,
            status: trace.status,
            plan_hash: trace.plan_hash,
            genesis_hash: trace.genesis_hash,
            root_hash: trace.root_hash,
            merkle_root: trace.merkle_root,
            chain_length: trace.chain_length,
            started_at: trace.started_at,
            completed_at: trace.completed_at,
            sealed_at: trace.sealed_at,
          } as ProofTraceSummary),
    steps: steps.map((step) => {
      const stored = record(step);
      const envelope = record(stored.envelope);
      return {
        step_index: envelope.step_index,
        attempt: envelope.attempt,
        plan_step_id: envelope.plan_step_id,
        skill_name: envelope.skill_name,
        status: envelope.status,
        retry_count: envelope.retry_count,
        cost_cents: envelope.cost_cents,
        duration_ms: envelope.duration_ms,
        leaf_hash: stored.leaf_hash,
        prev_hash: stored.prev_hash,
        step_hash: stored.step_hash,
      } as ProofStepSummary;
    }),
  };
}

/**
 * The verifier key set a server publishes at `GET /v1/keys` (public, no key needed): what
 * `cus-cli login` shows before the user pins a key. Never used to verify anything by itself.
 *
 * @example
 * ```ts
 * const { current } = await fetchPublishedKeys({ apiUrl: 'https://aos.example.com' })
 * ```
 */
export async function fetchPublishedKeys(options: {
  readonly apiUrl: string;
  readonly fetch?: FetchFunction | undefined;
}): Promise<TrustedKeysView> {
  const http = new HttpClient({ ...options, apiKey: '' });
  const { body } = await http.request({
    method: 'GET',
    path: '/v1/keys',
    route: 'GET /v1/keys',
    schema: TrustedKeysViewSchema,
    anonymous: true,
  });
  return body;
}
