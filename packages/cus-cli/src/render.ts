import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { z } from 'zod';
import type { JsonValue, RunEvent } from '@aos/core/client';
import type {
  AgentListView,
  AgentView,
  BudgetView,
  RunDetailsView,
  RunListView,
  RunOutcome,
  RunView,
  SecretView,
  SetSecretOutcome,
  SkillView,
} from '@aos/core/contract';
import { escapeControls as safe, paint, textTable as table, writeJson } from '@aos/proof/cli-kit';
import type { CommandContext } from './context';
import type { LogStatusJson, LogVerifyJson, ProofExportJson, ProofJson, RunCommandJson } from './json-shapes';
import {
  AgentJsonSchema,
  BudgetJsonSchema,
  CancelRunJsonSchema,
  CreateAgentJsonSchema,
  DeleteSecretJsonSchema,
  GetRunJsonSchema,
  ListAgentsJsonSchema,
  ListRunsJsonSchema,
  ListSecretsJsonSchema,
  ListSkillsJsonSchema,
  LogStatusJsonSchema,
  LogVerifyJsonSchema,
  ProofJsonSchema,
  RunCommandJsonSchema,
  SetSecretJsonSchema,
} from './json-shapes';

/** Writes `document` as the one JSON document of this invocation, after checking its shape. */
export function emitJson<T>(context: CommandContext, schema: z.ZodType<T>, document: T): void {
  writeJson(context.io, schema.parse(document));
}

const out = (context: CommandContext, line = ''): void => void context.io.stdout.write(`${line}\n`);
// Progress and hints: --quiet leaves them out (errors are the kit's, and always print).
const err = (context: CommandContext, line: string): void => {
  if (!context.quiet) context.io.stderr.write(`${line}\n`);
};

function statusStyle(status: string): 'green' | 'red' | 'yellow' {
  if (status === 'succeeded' || status === 'success' || status === 'VERIFIED') return 'green';
  if (status === 'failed' || status === 'halted' || status === 'failure' || status === 'FAILED') return 'red';
  return 'yellow';
}

function colored(context: CommandContext, status: string, sink = context.io.stdout): string {
  return paint(context.io, sink, statusStyle(status), status);
}

/** One line of at most `max` characters of data, its controls escaped ({@link safe}). */
function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return safe(flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`);
}

// ----- create-agent, list-agents ------------------------------------------------------------

/** `Created agent: <uuid>`. */
export function printAgentCreated(context: CommandContext, agent: AgentView): void {
  if (context.json) return emitJson(context, CreateAgentJsonSchema, { agent });
  out(context, `Created agent: ${agent.id}`);
}

/**
 * A page of agents; when there are more, the command that prints the next page goes to stderr
 * (`again`: the command and the flags this one was given, the cursor is added).
 */
export function printAgents(context: CommandContext, page: AgentListView, again: readonly string[]): void {
  if (context.json) return emitJson(context, ListAgentsJsonSchema, page);
  const { agents, next_cursor: nextCursor } = page;
  if (agents.length === 0) out(context, 'No agents.');
  else {
    const rows = agents.map((a) => [
      a.id,
      safe(a.name),
      safe(a.tenant_id ?? '(shared)'),
      a.status,
      a.budget_cents === null ? '-' : `${a.spent_cents}/${a.budget_cents}c`,
    ]);
    for (const line of table([['ID', 'NAME', 'TENANT', 'STATUS', 'SPENT/BUDGET'], ...rows])) out(context, line);
  }
  if (nextCursor !== null) err(context, `Next page: ${nextPageCommand(again, nextCursor)}`);
}

/** `cus-cli <again…> --cursor <cursor>`, each argument quoted for a POSIX shell when it needs it. */
function nextPageCommand(again: readonly string[], cursor: string): string {
  return ['cus-cli', ...again, '--cursor', cursor].map(shellQuote).join(' ');
}

// ----- get-agent, pause-agent, resume-agent, archive-agent -----------------------------------

/** One agent, a field a line. */
export function printAgent(context: CommandContext, agent: AgentView): void {
  if (context.json) return emitJson(context, AgentJsonSchema, { agent });
  out(context, `Agent ID: ${agent.id}`);
  out(context, `Name: ${safe(agent.name)}`);
  if (agent.description !== '') out(context, `Description: ${safe(agent.description)}`);
  out(context, `Tenant: ${safe(agent.tenant_id ?? '(shared)')}`);
  out(context, `Status: ${agent.status}`);
  out(context, `Budget: ${agent.budget_cents === null ? 'none' : `${agent.budget_cents}c`}`);
  out(context, `Spent: ${agent.spent_cents}c`);
  out(context, `Created: ${agent.created_at}`);
  out(context, `Updated: ${agent.updated_at}`);
}

/** `Paused agent: <uuid>` (or resumed, archived), then its status. */
export function printAgentChanged(
  context: CommandContext,
  verb: 'Paused' | 'Resumed' | 'Archived',
  agent: AgentView,
): void {
  if (context.json) return emitJson(context, AgentJsonSchema, { agent });
  out(context, `${verb} agent: ${agent.id}`);
  out(context, `Status: ${agent.status}`);
}

// ----- list-runs, get-run -------------------------------------------------------------------

export function printRuns(context: CommandContext, page: RunListView, again: readonly string[]): void {
  if (context.json) return emitJson(context, ListRunsJsonSchema, page);
  const { runs, next_cursor: nextCursor } = page;
  if (runs.length === 0) out(context, 'No runs.');
  else {
    const rows = runs.map((r) => [r.id, r.status, r.created_at, truncate(r.goal, 60)]);
    for (const line of table([['RUN ID', 'STATUS', 'CREATED', 'GOAL'], ...rows])) out(context, line);
  }
  // On stderr, so stdout stays the table alone for scripts that read it.
  if (nextCursor !== null) err(context, `Next page: ${nextPageCommand(again, nextCursor)}`);
}

/** `cancel-run`: `Cancelled run: <uuid>`, its status and error. */
export function printRunCancelled(context: CommandContext, run: RunView): void {
  if (context.json) {
    return emitJson(context, CancelRunJsonSchema, {
      run_id: run.id,
      status: run.status,
      error: run.error_message,
      run,
    });
  }
  out(context, `Cancelled run: ${run.id}`);
  out(context, `Status: ${colored(context, run.status)}`);
  if (run.error_message !== null) out(context, `Error: ${safe(run.error_message)}`);
}

function planSummary(plan: JsonValue | null): string | null {
  if (plan === null || typeof plan !== 'object' || Array.isArray(plan)) return null;
  const steps = Array.isArray(plan.steps) ? plan.steps.length : 0;
  const planner = typeof plan.planner === 'string' ? ` by the ${plan.planner} planner` : '';
  return `${steps} step${steps === 1 ? '' : 's'}${planner}`;
}

export function printRunDetails(context: CommandContext, details: RunDetailsView): void {
  if (context.json) return emitJson(context, GetRunJsonSchema, details);
  const { run, trace, steps } = details;
  out(context, `Run ID: ${run.id}`);
  out(context, `Status: ${colored(context, run.status)}`);
  out(context, `Tenant: ${safe(run.tenant_id)}`);
  out(context, `Agent: ${run.agent_id}`);
  out(context, `Origin: ${safe(run.origin_system_id)}`);
  out(context, `Goal: ${safe(run.goal)}`);
  out(context, `Attempts: ${run.attempts} of ${run.max_attempts}`);
  out(context, `Created: ${run.created_at}`);
  if (run.started_at) out(context, `Started: ${run.started_at}`);
  if (run.completed_at) out(context, `Completed: ${run.completed_at}`);
  if (run.next_attempt_at) out(context, `Next attempt: ${run.next_attempt_at}`);
  if (run.duration_ms !== null) out(context, `Duration: ${Math.round(run.duration_ms)} ms`);
  if (run.error_message) out(context, `Error: ${safe(run.error_message)}`);
  const plan = planSummary(run.plan);
  out(context, plan ? `Plan: ${plan}, plan_hash ${run.plan_hash ?? '-'}` : 'Plan: none');
  if (trace) {
    const seal = trace.sealed_at
      ? `sealed ${trace.sealed_at}, chain_length ${trace.chain_length}, root_hash ${trace.root_hash}`
      : 'not sealed';
    out(context, `Trace: ${trace.trace_id} (${trace.status}, ${seal})`);
  } else {
    out(context, 'Trace: none');
  }
  // The run's leaf in its tenant's transparency log (SPEC §13), once the sequencer has taken it.
  if (details.receipt) out(context, `Log index: ${details.receipt.leaf.log_index}`);
  if (steps.length === 0) return;
  out(context, 'Steps:');
  const rows = steps.map((s) => [
    `  #${s.step_index}`,
    safe(s.plan_step_id ?? '-'),
    safe(`${s.skill_name ?? '?'}@${s.skill_version ?? '?'}`),
    colored(context, s.status),
    `attempt ${s.attempt}`,
    s.duration_ms === null ? '-' : `${Math.round(s.duration_ms)} ms`,
    `${s.cost_cents}c`,
    s.error ? truncate(s.error, 80) : '',
  ]);
  for (const line of table(rows)) out(context, line);
}

// ----- list-skills --------------------------------------------------------------------------

export function printSkillsJson(context: CommandContext, skills: readonly SkillView[]): void {
  emitJson(context, ListSkillsJsonSchema, { skills: [...skills] });
}

// ----- run ----------------------------------------------------------------------------------

/** Narrates a run on stderr from its {@link RunEvent}s (`--verbose`, docs/cus-cli.md). */
export interface RunNarrator {
  /** Before the run is created. */
  begin(): void;
  /** Once the run exists, when that is known before its first event (remote mode). */
  created(runId: string): void;
  readonly onEvent: (event: RunEvent) => void;
  /** After the run reached its final status. */
  end(result: RunOutcome): void;
}

/**
 * Progress of `run` on stderr. With `--verbose`: the lines of docs/cus-cli.md (`Creating run for agent …`,
 * `Goal:`, `Run created:`, `Executing...`, one line per step, `Status:`, `Error:`). Without it,
 * one line per finished step in human mode and nothing in JSON mode.
 */
export function createRunNarrator(
  context: CommandContext,
  input: { agentId: string; goal: string; verbose: boolean },
): RunNarrator {
  const { verbose } = input;
  const stderr = context.io.stderr;
  const progress = verbose || !context.json;
  let announced = false;
  const positions = new Map<string, string>();
  // The id is printed as soon as the run exists, so an interrupted run can always be found.
  const announce = (runId: string): void => {
    if (announced) return;
    announced = true;
    if (!progress) return;
    err(context, `Run created: ${runId}`);
    if (verbose) err(context, 'Executing...');
  };
  return {
    begin() {
      if (!verbose) return;
      err(context, `Creating run for agent ${input.agentId}...`);
      err(context, `Goal: ${safe(input.goal)}`);
    },
    created: announce,
    onEvent(event) {
      announce(event.runId);
      switch (event.type) {
        case 'planned':
          if (verbose)
            err(
              context,
              `Planned ${event.stepCount} step${event.stepCount === 1 ? '' : 's'} (${event.planner} planner, plan_hash ${event.planHash})`,
            );
          return;
        case 'attempt_started':
          if (verbose || (progress && event.attempt > 1))
            err(context, `Attempt ${event.attempt} of ${event.maxAttempts}`);
          return;
        case 'step_started':
          positions.set(event.stepId, `[${event.position}/${event.total}]`);
          if (verbose)
            err(
              context,
              `${positions.get(event.stepId)} ${safe(event.stepId)} ${safe(event.skill)}: started (attempt ${event.attempt})`,
            );
          return;
        case 'step_finished': {
          if (!progress) return;
          const where = positions.get(event.stepId) ?? `[#${event.stepIndex}]`;
          const detail = `${Math.round(event.durationMs)} ms, ${event.costCents}c`;
          const problem = event.error ? `: ${safe(event.error)}` : '';
          const retry = event.willRetry ? ' (will retry)' : '';
          err(
            context,
            `${where} ${safe(event.stepId)} ${safe(event.skill)}: ${colored(context, event.status, stderr)} (${detail})${problem}${retry}`,
          );
          return;
        }
        case 'budget_alert':
          if (progress) err(context, `Budget alert: ${safe(event.message)}`);
          return;
        case 'retry_scheduled':
          if (progress) err(context, `Retrying the run in ${Math.round(event.delayMs / 1000)} s...`);
          return;
        case 'log_deferred':
          err(
            context,
            `Warning: the run is sealed but not yet in its tenant log (${safe(event.reason)}); the next run or int-cli recover adds it`,
          );
          return;
        case 'finished':
          return;
      }
    },
    end({ run, created }) {
      if (!verbose) return;
      if (!announced)
        err(
          context,
          created ? `Run created: ${run.id}` : `Existing run: ${run.id} (same idempotency key, goal and agent)`,
        );
      err(context, `Status: ${colored(context, run.status, stderr)}`);
      if (run.error_message) err(context, `Error: ${safe(run.error_message)}`);
    },
  };
}

/** The end of every `run`: `Run ID:`, `Status:`, `Steps executed:` (and `Error:`) on stdout. */
export function printRunResult(context: CommandContext, outcome: RunOutcome): void {
  const { run } = outcome;
  if (context.json) {
    const document: RunCommandJson = {
      run_id: run.id,
      status: run.status,
      steps_executed: outcome.steps_executed,
      error: run.error_message,
      created: outcome.created,
      run,
    };
    return emitJson(context, RunCommandJsonSchema, document);
  }
  out(context, `Run ID: ${run.id}`);
  out(context, `Status: ${colored(context, run.status)}`);
  out(context, `Steps executed: ${outcome.steps_executed}`);
  if (run.error_message) out(context, `Error: ${safe(run.error_message)}`);
}

/**
 * `run` interrupted by Ctrl-C, on stderr: `stopping` on the first Ctrl-C, `ended` once the run is
 * sealed (with how to see its proof), `left` when a second Ctrl-C exits at once.
 */
export function printRunInterrupted(
  context: CommandContext,
  stage: 'stopping' | 'ended' | 'left',
  run: { readonly id: string | null; readonly tenantId: string },
): void {
  const which = run.id === null ? 'the run' : `run ${run.id}`;
  if (stage === 'stopping') {
    err(context, `\nInterrupted: finishing the current step of ${which}, then halting it (Ctrl-C again to exit now)`);
  } else if (stage === 'left') {
    err(context, `\nInterrupted again: ${which} is left as it is; int-cli recover finishes it`);
  } else if (run.id !== null) {
    err(
      context,
      `Run ${run.id} was interrupted. See its proof with: cus-cli proof ${run.id} --tenant-id ${run.tenantId}`,
    );
  }
}

/** Remote `run` after Ctrl-C: following stopped, the run goes on on the server (stderr). */
export function printRemoteRunLeft(context: CommandContext, runId: string, hint: string): void {
  context.io.stderr.write(`\nStopped following. Run ${runId} keeps going on the server.\n${hint}\n`);
}

/** `run --detach`: the run as created (queued), and how to follow it. */
export function printRunDetached(
  context: CommandContext,
  created: { run: RunView; created: boolean },
  hint: string,
): void {
  const { run } = created;
  if (context.json) {
    emitJson(context, RunCommandJsonSchema, {
      run_id: run.id,
      status: run.status,
      steps_executed: 0,
      error: run.error_message,
      created: created.created,
      run,
    });
    err(context, hint);
    return;
  }
  out(context, `Run ID: ${run.id}`);
  out(context, `Status: ${colored(context, run.status)}`);
  out(context, hint);
}

/** `get-run --follow`: a status change, on stderr. */
export function printFollowedStatus(context: CommandContext, run: RunView): void {
  const attempt = run.attempts > 0 ? ` (attempt ${run.attempts} of ${run.max_attempts})` : '';
  err(context, `Status: ${colored(context, run.status, context.io.stderr)}${attempt}`);
}

/** `get-run --follow`: one stored step, on stderr, as `run` prints a finished step. */
export function printFollowedStep(context: CommandContext, step: RunDetailsView['steps'][number]): void {
  const detail = step.status === 'started' ? 'started' : `${Math.round(step.duration_ms ?? 0)} ms, ${step.cost_cents}c`;
  const problem = step.error ? `: ${safe(step.error)}` : '';
  err(
    context,
    `[#${step.step_index}] ${safe(step.plan_step_id ?? '-')} ${safe(step.skill_name ?? '?')}: ${colored(context, step.status, context.io.stderr)} (${detail})${problem}`,
  );
}

// ----- proof --------------------------------------------------------------------------------

const orNone = (value: string | number | null): string => (value === null ? 'none' : String(value));

/**
 * The proof verdict: `integrity_model:`, `verification_status:`, `chain_length:`, `root_hash:`,
 * `merkle_root:`, `trace_count:`, `step_count:`, `log_index:`, `signature_valid:` (+
 * `failure_reason:` when not VERIFIED).
 * With `toStderr` (the bundle went to stdout) the lines go to stderr.
 */
export function printProof(context: CommandContext, document: ProofJson, options: { toStderr?: boolean } = {}): void {
  if (context.json) return emitJson(context, ProofJsonSchema, document);
  const sink = options.toStderr ? context.io.stderr : context.io.stdout;
  const line = (text: string): void => void sink.write(`${text}\n`);
  const integrity = document.integrity;
  line(`run_id: ${document.run_id}`);
  line(`integrity_model: ${integrity.model}`);
  line(
    `verification_status: ${paint(context.io, sink, statusStyle(integrity.verification_status), integrity.verification_status)}`,
  );
  line(`chain_length: ${orNone(integrity.chain_length)}`);
  line(`root_hash: ${orNone(integrity.root_hash)}`);
  line(`merkle_root: ${orNone(integrity.merkle_root)}`);
  line(`trace_count: ${document.trace_count}`);
  line(`step_count: ${document.step_count}`);
  line(`log_index: ${orNone(integrity.log_inclusion?.log_index ?? null)}`);
  line(`signature_valid: ${integrity.signature_valid}`);
  if (integrity.outcome_unknown_steps.length > 0) {
    // Commit before act: the action was started and may have happened; nobody knows its result.
    line(`outcome_unknown_steps: ${integrity.outcome_unknown_steps.join(', ')} (the action may have happened)`);
  }
  if (integrity.verification_status !== 'VERIFIED') {
    line(`failure_reason: ${safe(integrity.failure_reason ?? 'unknown')}`);
    if (integrity.first_divergent_step !== null) line(`first_divergent_step: ${integrity.first_divergent_step}`);
  }
}

/**
 * Writes an exported step proof as JSON to `target` (`-` = stdout): mode 0600 like bundles (a
 * proof shows params and outcomes), and only once complete (written beside it, then renamed).
 */
export function writeProofArtifact(context: CommandContext, target: string, artifact: unknown): void {
  const text = `${JSON.stringify(artifact, null, 2)}\n`;
  if (target === '-') {
    context.io.stdout.write(text);
    return;
  }
  const partial = `${target}.${process.pid}.partial`;
  try {
    writeFileSync(partial, text, { mode: 0o600 });
    chmodSync(partial, 0o600);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Tells (on stderr) what was exported and the exact command that verifies it offline. */
export function printExportHint(context: CommandContext, exported: ProofExportJson): void {
  const what = exported.step_index === null ? 'Proof bundle' : `Inclusion proof of step ${exported.step_index}`;
  const where = exported.path === '-' ? 'written to stdout' : `written to ${exported.path}`;
  err(context, `${what} ${where}. Verify it offline (no database, no network) with:`);
  err(context, `  ${exported.verify_command}`);
}

/** Says (on stderr) why `--export` wrote nothing: there is no sealed trace to export. */
export function printNothingExported(context: CommandContext, reason: string | null): void {
  err(context, `Nothing exported: ${safe(reason ?? 'the run has no sealed trace')}.`);
}

/**
 * `npx @aos/proof verify[-step] <file> --key <vkey>… [--since <saved checkpoint>]` with one `--key`
 * per trusted key, quoted for a POSIX shell when needed; `--since` for a bundle when a tenant
 * checkpoint is saved (the bundle's receipt then proves the log extends it). Through npx because
 * a customer who ran `npx @aos/cus-cli` has no `aos-proof` on PATH; npx runs the installed one.
 */
export function verifyCommand(
  path: string,
  verifierKeys: readonly string[],
  step: boolean,
  savedCheckpoint?: string,
): string {
  const file = path === '-' ? '<file>' : shellQuote(path);
  const keys = verifierKeys.length > 0 ? verifierKeys.map(shellQuote) : ['<verifier key>'];
  const since = !step && savedCheckpoint !== undefined ? ` --since ${shellQuote(savedCheckpoint)}` : '';
  return `npx @aos/proof ${step ? 'verify-step' : 'verify'} ${file} ${keys.map((k) => `--key ${k}`).join(' ')}${since}`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

// ----- log status, log verify ------------------------------------------------------------

/** Says (on stderr) that a verified tenant checkpoint was saved for later proofs and `log verify`. */
export function printCheckpointSaved(context: CommandContext, saved: { path: string; treeSize: number }): void {
  err(context, `Saved tenant checkpoint (log size ${saved.treeSize}) to ${saved.path}`);
}

const listOrNone = (items: readonly string[]): string => (items.length === 0 ? 'none' : safe(items.join(', ')));

/**
 * `log status`: `tenant_id:`, `origin:`, `tree_size:`, `root_hash:`, `cosigned_by:`,
 * `saved_tree_size:`, `saved_checkpoint:` — the newest checkpoint as the store or server gives
 * it (not verified: that is `log verify`).
 */
export function printLogStatus(context: CommandContext, document: LogStatusJson): void {
  if (context.json) return emitJson(context, LogStatusJsonSchema, document);
  out(context, `tenant_id: ${safe(document.tenant_id)}`);
  out(context, `origin: ${safe(orNone(document.origin))}`);
  out(context, `tree_size: ${document.tree_size}`);
  out(context, `root_hash: ${orNone(document.root_hash)}`);
  out(context, `cosigned_by: ${listOrNone(document.cosigned_by)}`);
  out(context, `saved_tree_size: ${orNone(document.saved?.tree_size ?? null)}`);
  out(context, `saved_checkpoint: ${orNone(document.saved?.path ?? null)}`);
}

/**
 * `log verify`: `tenant_id:`, `verification_status:`, `origin:`, `tree_size:`, `from_size:`,
 * `root_hash:`, `cosigned_by:` (+ `failure_reason:` when FAILED).
 */
export function printLogVerification(context: CommandContext, document: LogVerifyJson): void {
  if (context.json) return emitJson(context, LogVerifyJsonSchema, document);
  out(context, `tenant_id: ${safe(document.tenant_id)}`);
  out(context, `verification_status: ${colored(context, document.verification_status)}`);
  out(context, `origin: ${safe(orNone(document.origin))}`);
  out(context, `tree_size: ${orNone(document.tree_size)}`);
  out(context, `from_size: ${orNone(document.from_size)}`);
  out(context, `root_hash: ${orNone(document.root_hash)}`);
  out(context, `cosigned_by: ${listOrNone(document.cosigned_by)}`);
  if (document.verification_status !== 'VERIFIED')
    out(context, `failure_reason: ${safe(document.failure_reason ?? 'unknown')}`);
}

// ----- budget -------------------------------------------------------------------------------

/** `spent of limit (percent)`, with the limit's state when it is reached or near. */
function usage(spent: number, limit: number, warnAt: number): string {
  const share = limit > 0 ? spent / limit : spent > 0 ? Infinity : 0;
  const percent = Number.isFinite(share) ? `${Math.floor(share * 100)} %` : '—';
  const state = share >= 1 ? '  LIMIT REACHED' : share >= warnAt ? '  over the warning threshold' : '';
  return `${spent}c of ${limit}c (${percent})${state}`;
}

/** The tenant's limits with this hour's and today's spend. */
export function printBudget(context: CommandContext, budget: BudgetView): void {
  if (context.json) return emitJson(context, BudgetJsonSchema, budget);
  const { quota, spend } = budget;
  const source = quota.source === 'default' ? 'the default limits' : 'limits set by the operator';
  out(context, `Budget of tenant ${safe(quota.tenant_id)} (${source})`);
  for (const line of table([
    ['today', usage(spend.daily_cents, quota.daily_limit_cents, quota.warn_threshold)],
    ['this hour', usage(spend.hourly_cents, quota.hourly_limit_cents, quota.warn_threshold)],
    ['per run', `${quota.run_limit_cents}c`],
    ['per request', `${quota.request_limit_cents}c`],
  ]))
    out(context, `  ${line}`);
  const hard = quota.hard_limit ? 'a run that would pass a limit is halted' : 'limits only warn (hard limit off)';
  out(context, `Warns at ${Math.round(quota.warn_threshold * 100)} %; ${hard}.`);
}

// ----- secrets ------------------------------------------------------------------------------

/** `Stored secret <name> for tenant <id> (new|replaced)`: never the value. */
export function printSecretSet(context: CommandContext, tenantId: string, result: SetSecretOutcome): void {
  if (context.json) return emitJson(context, SetSecretJsonSchema, result);
  out(context, `Stored secret ${result.secret.name} for tenant ${tenantId} (${result.created ? 'new' : 'replaced'})`);
  out(context, `Use it in plan params as {{secrets.${result.secret.name}}}`);
}

/** A table of names and dates. */
export function printSecrets(context: CommandContext, secrets: readonly SecretView[]): void {
  if (context.json) return emitJson(context, ListSecretsJsonSchema, { secrets: [...secrets] });
  if (secrets.length === 0) return out(context, 'No secrets.');
  const rows = secrets.map((s) => [s.name, s.created_at, s.updated_at]);
  for (const line of table([['NAME', 'CREATED', 'UPDATED'], ...rows])) out(context, line);
}

/** `Deleted secret <name>`. */
export function printSecretDeleted(context: CommandContext, secret: SecretView): void {
  if (context.json) return emitJson(context, DeleteSecretJsonSchema, { deleted: secret });
  out(context, `Deleted secret ${secret.name}`);
}
