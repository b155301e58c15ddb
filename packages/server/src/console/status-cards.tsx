import type { BudgetView, LogCheckpointView, LogProofView } from '@aos/core/contract';
import { useEffect, useState } from 'preact/hooks';
import { ConsoleApiError, errorLine, getJson } from './api-client';
import { formatCents, formatTime, short } from './format';
import type { Session } from './session';
import { keepCheckpoint, readKeptCheckpoint } from './storage';
import { checkTenantLog, type LogStatus } from './verification';

/**
 * The tenant log as this browser checks it on every visit: the newest checkpoint, signed by a
 * pinned key, must extend the one the browser kept last time (a consistency proof verified
 * here); only then is the newer one kept.
 */
export function LogStatusCard({ session, pins }: { session: Session; pins: readonly string[] }) {
  const [status, setStatus] = useState<LogStatus | null>(null);
  const [checkedAt, setCheckedAt] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const tenant = session.who.tenant_id;

  useEffect(() => {
    let alive = true;
    const source = {
      latest: async () => {
        try {
          return (await getJson<LogCheckpointView>('/v1/log/checkpoint', session.apiKey)).checkpoint;
        } catch (failure) {
          if (failure instanceof ConsoleApiError && failure.code === 'LOG_NOT_FOUND') return null;
          throw failure;
        }
      },
      consistency: async (from: number, to: number) =>
        (await getJson<LogProofView>(`/v1/log/proof/consistency?from=${from}&to=${to}`, session.apiKey)).proof,
    };
    checkTenantLog(source, tenant, pins, readKeptCheckpoint(tenant))
      .then((checked) => {
        if (!alive) return;
        if (checked.kind === 'first' || checked.kind === 'consistent') {
          keepCheckpoint(tenant, { note: checked.latest.note, size: checked.latest.size, root: checked.latest.root });
        }
        setStatus(checked);
        setCheckedAt(new Date().toISOString());
      })
      .catch((failure: unknown) => alive && setError(errorLine(failure)));
    return () => {
      alive = false;
    };
  }, [session.apiKey, tenant, pins.join('\n')]);

  return (
    <section class="panel" aria-labelledby="log-heading" data-testid="log-status">
      <h2 id="log-heading">Tenant log</h2>
      {error ? <p class="error">{error}</p> : null}
      {status === null && error === null ? <p class="muted">Checking the tenant log in your browser…</p> : null}
      {status ? <LogStatusBody status={status} /> : null}
      {checkedAt ? <p class="small muted">Checked in this browser at {formatTime(checkedAt)}.</p> : null}
    </section>
  );
}

function LogStatusBody({ status }: { status: LogStatus }) {
  switch (status.kind) {
    case 'empty':
      return <p>No run of this tenant has been sealed into its log yet.</p>;
    case 'failed':
      return (
        <div role="alert">
          <p>
            <span class="status tone-bad">✗ INCONSISTENT</span>
          </p>
          <p data-log-failure>{status.reason}</p>
          {status.kept ? (
            <p class="small muted">
              The checkpoint you kept (size {status.kept.size}, {formatTime(status.kept.kept_at)}) stays kept: keep it
              as evidence.
            </p>
          ) : null}
        </div>
      );
    case 'first':
    case 'consistent':
      return (
        <div>
          <p>
            <span class="status tone-ok">✓ {status.kind === 'consistent' ? 'CONSISTENT' : 'VERIFIED'}</span>
          </p>
          <p data-log-consistency>
            {status.kind === 'consistent'
              ? `Consistent with the checkpoint you kept at size ${status.from.size} (kept ${formatTime(status.from.kept_at)}).`
              : `First check from this browser: it kept the checkpoint at size ${status.latest.size}; your next visit checks that the log still extends it.`}
          </p>
          <dl class="facts small">
            <dt>Size</dt>
            <dd>{status.latest.size} runs</dd>
            <dt>Root</dt>
            <dd class="mono" title={status.latest.root}>
              {short(status.latest.root, 24)}
            </dd>
            <dt>Signed by</dt>
            <dd>{status.latest.keyName}</dd>
          </dl>
        </div>
      );
  }
}

function Usage({ label, spent, limit, warn }: { label: string; spent: number; limit: number; warn: number }) {
  const share = limit > 0 ? spent / limit : 0;
  const rounded = Math.round(share * 1000) / 10;
  // A spend too small to show at one decimal is still not nothing.
  const percent = rounded === 0 && spent > 0 ? '<0.1' : String(rounded);
  const state = share >= 1 ? ' — limit reached' : share >= warn ? ' — past the warning threshold' : '';
  return (
    <div class="meter">
      <div>
        <strong>{label}:</strong> {formatCents(spent)} of {formatCents(limit)} ({percent}%){state}
      </div>
      <div class="bar" aria-hidden="true">
        <div class={`fill${share >= warn ? ' over' : ''}`} style={{ width: `${Math.min(100, share * 100)}%` }} />
      </div>
    </div>
  );
}

/** The tenant's spend against its quota (`GET /v1/budget`), as text and as a bar. */
export function BudgetCard({ session }: { session: Session }) {
  const [budget, setBudget] = useState<BudgetView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    getJson<BudgetView>('/v1/budget', session.apiKey)
      .then((view) => alive && setBudget(view))
      .catch(
        (failure: unknown) =>
          alive &&
          setError(
            failure instanceof ConsoleApiError && failure.status === 404
              ? 'This server does not report budgets (GET /v1/budget): upgrade aos-server to see them.'
              : errorLine(failure),
          ),
      );
    return () => {
      alive = false;
    };
  }, [session.apiKey]);

  return (
    <section class="panel" aria-labelledby="budget-heading" data-testid="budget">
      <h2 id="budget-heading">Budget</h2>
      {error ? <p class="muted">{error}</p> : null}
      {budget === null && error === null ? <p class="muted">Reading the budget…</p> : null}
      {budget ? (
        <div>
          <Usage
            label="Today"
            spent={budget.spend.daily_cents}
            limit={budget.quota.daily_limit_cents}
            warn={budget.quota.warn_threshold}
          />
          <Usage
            label="This hour"
            spent={budget.spend.hourly_cents}
            limit={budget.quota.hourly_limit_cents}
            warn={budget.quota.warn_threshold}
          />
          <p class="small muted">
            Per run {formatCents(budget.quota.run_limit_cents)} · per request{' '}
            {formatCents(budget.quota.request_limit_cents)} · warn at {Math.round(budget.quota.warn_threshold * 100)}% ·{' '}
            {budget.quota.hard_limit ? 'hard limit: runs halt at the limit' : 'soft limit: warnings only'}
            {budget.quota.source === 'default' ? ' · deployment defaults' : ''}
          </p>
        </div>
      ) : null}
    </section>
  );
}
