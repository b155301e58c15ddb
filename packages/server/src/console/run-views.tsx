import type { ComponentChildren } from 'preact';
import { between, formatCents, formatDuration, formatTime, prettyJson, short, statusLook } from './format';
import { groupSteps, totalCost, type RunModel, type StepGroup, type StepItem } from './run-model';
import type { Verdict } from './verification';

// The views the run page and the verify page share: a run's facts, the browser's verdict, the
// plan, the step timeline and the receipt.

/** A status as a symbol and a word (colour is a third cue, never the only one). */
export function StatusLabel({ status }: { status: string }) {
  const { symbol, tone } = statusLook(status);
  return (
    <span class={`status tone-${tone}`}>
      <span aria-hidden="true">{symbol}</span>
      {status}
    </span>
  );
}

/** The leaf of the run's Merkle tree a step is (leaf 0 is the run header). */
const leafOf = (stepIndex: number) => stepIndex + 1;

/** The browser's verdict on the proof, with what it was checked against. */
export function VerdictBanner({
  verdict,
  keyCount,
  keysFrom = 'you pinned',
}: {
  verdict: Verdict;
  keyCount: number;
  /** Where the keys came from, as the sentence says it. */
  keysFrom?: string;
}) {
  if (verdict.status === 'VERIFIED') {
    const inclusion = verdict.inclusion;
    return (
      <section class="verdict tone-ok" aria-labelledby="verdict-headline" data-verdict="VERIFIED">
        <div class="headline" id="verdict-headline">
          <span aria-hidden="true">✓ </span>VERIFIED
        </div>
        <p>
          Checked in this browser against the {keyCount} verifier key{keyCount === 1 ? '' : 's'} {keysFrom}: the plan,
          all {verdict.chainLength ?? 0} recorded step{verdict.chainLength === 1 ? '' : 's'}, the hash chain, the Merkle
          root and the deployment's signature
          {inclusion
            ? `, and the run's place in the tenant log (leaf ${inclusion.log_index} of ${inclusion.tree_size})`
            : ''}
          .
          {inclusion?.consistent_from != null
            ? ` That log extends the checkpoint you kept at size ${inclusion.consistent_from}.`
            : ''}
        </p>
        {verdict.outcomeUnknownSteps.length > 0 ? (
          <p>
            <strong>Outcome unknown</strong> for step{verdict.outcomeUnknownSteps.length === 1 ? '' : 's'}{' '}
            {verdict.outcomeUnknownSteps.join(', ')}: the action may have happened.
          </p>
        ) : null}
      </section>
    );
  }
  const bad = verdict.firstBadStep;
  return (
    <section class="verdict tone-bad" aria-labelledby="verdict-headline" data-verdict="FAILED" role="alert">
      <div class="headline" id="verdict-headline">
        <span aria-hidden="true">✗ </span>FAILED
      </div>
      <p data-failure-reason>{verdict.reason ?? 'the proof does not verify'}</p>
      {bad !== null ? (
        <p>
          First bad leaf: <strong data-first-bad-step={bad}>step {bad}</strong> (leaf {leafOf(bad)} of the run's tree).
          Nothing this page shows from that step on can be relied on.
        </p>
      ) : null}
    </section>
  );
}

/** The run's facts as a definition list. */
export function RunFacts({ run, agentName, extra }: { run: RunModel; agentName?: string; extra?: ComponentChildren }) {
  const duration = between(run.started_at, run.completed_at);
  return (
    <dl class="facts">
      <dt>Status</dt>
      <dd>
        <StatusLabel status={run.status} />
        {run.error_message ? <span class="muted"> — {run.error_message}</span> : null}
      </dd>
      <dt>Run</dt>
      <dd class="mono">{run.id}</dd>
      <dt>Agent</dt>
      <dd>
        {agentName ? `${agentName} ` : ''}
        <span class="mono muted">{run.agent_id}</span>
      </dd>
      <dt>Tenant</dt>
      <dd>{run.tenant_id}</dd>
      <dt>Created</dt>
      <dd>{formatTime(run.created_at)}</dd>
      <dt>Started</dt>
      <dd>{formatTime(run.started_at)}</dd>
      <dt>Duration</dt>
      <dd>{formatDuration(duration)}</dd>
      <dt>Cost</dt>
      <dd>{formatCents(totalCost(run.steps))}</dd>
      <dt>Attempts</dt>
      <dd>{run.attempts ?? '—'}</dd>
      {extra}
    </dl>
  );
}

/** The plan, in order, each step's params behind a disclosure. */
export function PlanList({ run }: { run: RunModel }) {
  if (run.plan.length === 0) return <p class="muted">No plan was stored for this run.</p>;
  return (
    <ol class="plan">
      {run.plan.map((step) => (
        <li key={step.step_id}>
          <span class="step-id">{step.step_id}</span> <code>{step.skill}</code>
          {step.description ? ` — ${step.description}` : ''}
          <span class="kv">
            {' '}
            · on error {step.on_error}
            {step.retry_count !== null ? ` · up to ${step.retry_count} tr${step.retry_count === 1 ? 'y' : 'ies'}` : ''}
            {step.depends_on.length > 0 ? ` · after ${step.depends_on.join(', ')}` : ''}
          </span>
          <details>
            <summary class="small">Params of {step.step_id}</summary>
            <pre>{prettyJson(step.params)}</pre>
          </details>
        </li>
      ))}
    </ol>
  );
}

function tryLabel(step: StepItem): string {
  const parts = [`step ${step.step_index}`];
  if (step.attempt !== null) parts.push(`run attempt ${step.attempt}`);
  if (step.retry_count !== null) parts.push(step.retry_count === 0 ? 'first try' : `retry ${step.retry_count}`);
  return parts.join(' · ');
}

function TryEntry({ step, bad, reason }: { step: StepItem; bad: boolean; reason: string | null }) {
  return (
    <li class={bad ? 'diverged' : undefined} data-step-index={step.step_index}>
      <details open={bad}>
        <summary>
          <StatusLabel status={step.status} />
          <span>{tryLabel(step)}</span>
          {bad ? <strong class="tone-bad status">✗ does not verify</strong> : null}
          <span class="spacer" />
          <span class="kv">{formatDuration(step.duration_ms)}</span>
          <span class="kv">{formatCents(step.cost_cents)}</span>
        </summary>
        <div class="group-body">
          {bad && reason ? <p class="error">{reason}</p> : null}
          {step.status === 'started' ? (
            <p class="muted small">Recorded before acting (side effect): the outcome is the next row.</p>
          ) : null}
          <h3>Params</h3>
          <pre>{prettyJson(step.params)}</pre>
          <h3>Outcome</h3>
          <pre>
            {prettyJson({
              category: step.outcome_category,
              code: step.outcome_code,
              data: step.outcome_data,
              error: step.error,
            })}
          </pre>
          <p class="small muted">
            {formatTime(step.started_at)} → {formatTime(step.completed_at)} · leaf{' '}
            <span class="mono" title={step.leaf_hash ?? ''}>
              {short(step.leaf_hash, 16)}
            </span>
          </p>
        </div>
      </details>
    </li>
  );
}

function groupStatus(group: StepGroup): string {
  return group.tries.at(-1)?.status ?? '?';
}

/**
 * The step timeline: one entry per plan step, its tries (run attempts and step retries)
 * inside; params and outcomes behind disclosures, so the keyboard opens them (Enter on a
 * summary). The step that breaks the proof is marked and open.
 */
export function Timeline({ run, verdict }: { run: RunModel; verdict: Verdict | null }) {
  const groups = groupSteps(run);
  if (groups.length === 0) return <p class="muted">No step has been recorded yet.</p>;
  const bad = verdict?.status === 'FAILED' ? verdict.firstBadStep : null;
  return (
    <ol class="timeline">
      {groups.map((group) => {
        const hasBad = bad !== null && group.tries.some((step) => step.step_index === bad);
        const cost = totalCost(group.tries);
        const ms = group.tries.reduce((sum, step) => sum + (step.duration_ms ?? 0), 0);
        return (
          <li key={group.key} class={hasBad ? 'diverged' : undefined} data-plan-step={group.key}>
            <details open={hasBad}>
              <summary>
                <span class="step-id">{group.key}</span>
                <code>{group.plan?.skill ?? group.tries[0]?.skill_name ?? '?'}</code>
                <StatusLabel status={groupStatus(group)} />
                <span class="muted">{group.plan?.description ?? ''}</span>
                <span class="spacer" />
                {group.tries.length > 1 ? <span class="kv">{group.tries.length} rows</span> : null}
                <span class="kv">{formatDuration(ms)}</span>
                <span class="kv">{formatCents(cost)}</span>
              </summary>
              <div class="group-body">
                <ol class="tries">
                  {group.tries.map((step) => (
                    <TryEntry
                      key={step.step_index}
                      step={step}
                      bad={step.step_index === bad}
                      reason={verdict?.reason ?? null}
                    />
                  ))}
                </ol>
              </div>
            </details>
          </li>
        );
      })}
    </ol>
  );
}

/** The run's tenant-log receipt; called verified only when the verdict is. */
export function ReceiptView({ run, verdict }: { run: RunModel; verdict: Verdict | null }) {
  const receipt = run.receipt;
  if (receipt === null) return <p class="muted">No receipt yet: the run is not in its tenant log.</p>;
  const inclusion = verdict?.status === 'VERIFIED' ? verdict.inclusion : null;
  return (
    <div>
      <dl class="facts">
        <dt>Verified</dt>
        <dd>
          {inclusion ? (
            <span class="status tone-ok">✓ included in the tenant log</span>
          ) : (
            <span class="status tone-bad">✗ not verified</span>
          )}
        </dd>
        <dt>Log index</dt>
        <dd>{receipt.log_index ?? '—'}</dd>
        {inclusion ? (
          <>
            <dt>Log size</dt>
            <dd>{inclusion.tree_size}</dd>
            <dt>Log origin</dt>
            <dd class="mono">{inclusion.origin}</dd>
          </>
        ) : null}
        <dt>Leaf hash</dt>
        <dd class="mono">{receipt.leaf_hash ?? '—'}</dd>
      </dl>
      {receipt.checkpoint ? (
        <details>
          <summary class="small">Tenant checkpoint (signed note)</summary>
          <pre>{receipt.checkpoint}</pre>
        </details>
      ) : null}
    </div>
  );
}
