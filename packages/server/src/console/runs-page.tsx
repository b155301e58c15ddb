import type { RunDetailsView, RunListView, RunView } from '@aos/core/contract';
import { RUN_STATUSES } from '@aos/proof';
import { useEffect, useState } from 'preact/hooks';
import { errorLine, getJson, readAgentNames } from './api-client';
import { between, formatCents, formatDuration, formatTime } from './format';
import { StatusLabel } from './run-views';
import { DEFAULT_PAGE_SIZE, PAGE_SIZES, runsHash, type Session } from './session';
import { BudgetCard, LogStatusCard } from './status-cards';

// A run's cost is the sum of its steps' costs, which the list view does not carry: it is read
// from each run's details, a few at a time, after the page is shown.
const COST_READS_AT_ONCE = 4;

function runDuration(run: RunView): string {
  if (run.duration_ms !== null) return formatDuration(run.duration_ms);
  const ms = between(run.started_at, run.completed_at);
  if (ms !== null) return formatDuration(ms);
  return run.status === 'running' ? 'running' : '—';
}

async function readCosts(runs: readonly RunView[], apiKey: string, onCost: (id: string, cents: number | null) => void) {
  const queue = [...runs];
  const worker = async () => {
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
      try {
        const details = await getJson<RunDetailsView>(`/v1/runs/${run.id}`, apiKey);
        onCost(
          run.id,
          details.steps.reduce((sum, step) => sum + step.cost_cents, 0),
        );
      } catch {
        onCost(run.id, null);
      }
    }
  };
  await Promise.all(Array.from({ length: COST_READS_AT_ONCE }, worker));
}

/** The runs list: newest first, filtered by status, a page at a time (`next_cursor`). */
export function RunsPage({
  session,
  query,
  pins,
}: {
  session: Session;
  query: URLSearchParams;
  pins: readonly string[];
}) {
  const status = query.get('status') ?? '';
  const limit = Math.min(100, Math.max(1, Number(query.get('limit')) || DEFAULT_PAGE_SIZE));
  const after = (query.get('after') ?? '').split('~').filter(Boolean);
  const cursor = after.at(-1);
  const [page, setPage] = useState<RunListView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [agents, setAgents] = useState<Map<string, string>>(new Map());
  const [costs, setCosts] = useState<Record<string, number | null>>({});
  const [chosen, setChosen] = useState(status);
  const [chosenLimit, setChosenLimit] = useState(limit);

  useEffect(() => {
    let alive = true;
    setPage(null);
    setError(null);
    setChosen(status);
    setChosenLimit(limit);
    const search = new URLSearchParams({ limit: String(limit) });
    if (status) search.set('status', status);
    if (cursor) search.set('cursor', cursor);
    void readAgentNames(session.apiKey).then((names) => alive && setAgents(names));
    getJson<RunListView>(`/v1/runs?${search.toString()}`, session.apiKey)
      .then((view) => {
        if (!alive) return;
        setPage(view);
        void readCosts(view.runs, session.apiKey, (id, cents) => alive && setCosts((all) => ({ ...all, [id]: cents })));
      })
      .catch((failure: unknown) => alive && setError(errorLine(failure)));
    return () => {
      alive = false;
    };
  }, [session.apiKey, status, limit, cursor]);

  const apply = (event: Event) => {
    event.preventDefault();
    location.hash = runsHash({ status: chosen, limit: chosenLimit });
  };

  return (
    <main id="main" tabIndex={-1}>
      <div class="cards">
        <LogStatusCard session={session} pins={pins} />
        <BudgetCard session={session} />
      </div>
      <section class="panel" aria-labelledby="runs-heading">
        <h1 id="runs-heading">Runs</h1>
        <form class="toolbar" onSubmit={apply} aria-label="Filter runs">
          <div class="field">
            <label for="status-filter">Status</label>
            <select id="status-filter" value={chosen} onChange={(event) => setChosen(event.currentTarget.value)}>
              <option value="">All statuses</option>
              {RUN_STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="page-size">Per page</label>
            <select
              id="page-size"
              value={String(chosenLimit)}
              onChange={(event) => setChosenLimit(Number(event.currentTarget.value))}
            >
              {[...new Set([...PAGE_SIZES, limit])]
                .sort((a, b) => a - b)
                .map((size) => (
                  <option key={size} value={String(size)}>
                    {size}
                  </option>
                ))}
            </select>
          </div>
          <button type="submit">Show</button>
        </form>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        {page === null && error === null ? <p class="muted">Loading runs…</p> : null}
        {page !== null && page.runs.length === 0 ? (
          <p class="muted">
            {status ? `No ${status} runs.` : 'No runs yet: create one with cus-cli run or POST /v1/runs.'}
          </p>
        ) : null}
        {page !== null && page.runs.length > 0 ? (
          <table data-testid="runs">
            <caption class="skip">
              Runs, newest first{status ? `, status ${status}` : ''}, page {after.length + 1}
            </caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Goal</th>
                <th scope="col">Agent</th>
                <th scope="col">Started</th>
                <th scope="col" class="num">
                  Duration
                </th>
                <th scope="col" class="num">
                  Cost
                </th>
              </tr>
            </thead>
            <tbody>
              {page.runs.map((run) => (
                <tr key={run.id} data-run-id={run.id}>
                  <td>
                    <StatusLabel status={run.status} />
                  </td>
                  <td class="goal">
                    <a href={`#/runs/${run.id}`}>{run.goal || run.id}</a>
                  </td>
                  <td>{agents.get(run.agent_id) ?? <span class="mono">{run.agent_id.slice(0, 8)}</span>}</td>
                  <td>{formatTime(run.started_at ?? run.created_at)}</td>
                  <td class="num">{runDuration(run)}</td>
                  <td class="num">{run.id in costs ? formatCents(costs[run.id]) : '…'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <nav class="pager" aria-label="Pages">
          {after.length > 0 ? (
            <a href={runsHash({ status, limit, after: after.slice(0, -1) })}>← Previous page</a>
          ) : null}
          <span class="muted">Page {after.length + 1}</span>
          {page?.next_cursor ? (
            <a href={runsHash({ status, limit, after: [...after, page.next_cursor] })}>Next page →</a>
          ) : null}
        </nav>
      </section>
    </main>
  );
}
