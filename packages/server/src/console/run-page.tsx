import type { RunDetailsView } from '@aos/core/contract';
import { useEffect, useState } from 'preact/hooks';
import { ConsoleApiError, errorLine, getJson, getText, readAgentNames } from './api-client';
import { runFromBundle, runFromDetails, type RunModel } from './run-model';
import { PlanList, ReceiptView, RunFacts, StatusLabel, Timeline, VerdictBanner } from './run-views';
import { runsHash, type Session } from './session';
import { keepCheckpoint, readKeptCheckpoint } from './storage';
import { verifyBundleText, type Verdict } from './verification';

const TERMINAL = new Set(['succeeded', 'failed', 'halted']);
// How often a run still on its way (running, or sealed but not yet in its tenant log) is read again.
const POLL_MS = 1500;

type Loaded =
  | { readonly kind: 'waiting'; readonly model: RunModel; readonly why: string }
  | { readonly kind: 'verified'; readonly model: RunModel; readonly verdict: Verdict; readonly bundleText: string };

/**
 * One run. Once sealed, everything shown comes from its proof bundle as this page verified it
 * (against the pinned keys, and the tenant checkpoint this browser kept): what you read is what
 * was checked. Before the seal, the run's details are shown as the server's account, marked so.
 */
export function RunPage({ session, runId, pins }: { session: Session; runId: string; pins: readonly string[] }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [agents, setAgents] = useState<Map<string, string>>(new Map());
  const tenant = session.who.tenant_id;

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoaded(null);
    setError(null);
    const load = async () => {
      const details = await getJson<RunDetailsView>(`/v1/runs/${runId}`, session.apiKey);
      if (!alive) return;
      const sealed = details.trace?.sealed_at != null;
      const terminal = TERMINAL.has(details.run.status);
      if (!terminal || !sealed || details.receipt === null) {
        const why = !terminal
          ? `The run is ${details.run.status}: its proof exists once it is sealed. This page reads it again every few seconds.`
          : details.trace === null
            ? 'The run ended without a trace, so there is no proof to verify.'
            : 'The run is sealed and waiting for its tenant log: its proof can be verified in a moment.';
        if (alive) setLoaded({ kind: 'waiting', model: runFromDetails(details), why });
        // Still on its way (a queued run has no trace yet); a finished run without a trace stays as it is.
        if (!terminal || details.trace !== null) timer = setTimeout(() => void load().catch(fail), POLL_MS);
        return;
      }
      const kept = readKeptCheckpoint(tenant);
      const since = kept === null ? '' : `?since_size=${kept.size}`;
      let bundleText: string;
      try {
        bundleText = await getText(`/v1/runs/${runId}/bundle${since}`, session.apiKey);
      } catch (failure) {
        if (failure instanceof ConsoleApiError && failure.code === 'PROOF_NOT_SEALED') {
          timer = setTimeout(() => void load().catch(fail), POLL_MS);
          return;
        }
        throw failure;
      }
      const { bundle, verdict } = verifyBundleText(bundleText, pins, kept?.note);
      const inclusion = verdict.inclusion;
      if (verdict.status === 'VERIFIED' && inclusion !== null) {
        keepCheckpoint(tenant, { note: inclusion.checkpoint, size: inclusion.tree_size, root: inclusion.root_hash });
      }
      if (alive) setLoaded({ kind: 'verified', model: runFromBundle(bundle), verdict, bundleText });
    };
    const fail = (failure: unknown) => alive && setError(errorLine(failure));
    void load().catch(fail);
    void readAgentNames(session.apiKey).then((names) => alive && setAgents(names));
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [session.apiKey, runId, pins.join('\n')]);

  const download = () => {
    if (loaded?.kind !== 'verified') return;
    const url = URL.createObjectURL(new Blob([loaded.bundleText], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `run-${runId}.bundle.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <main id="main" tabIndex={-1}>
      <p>
        <a href={runsHash({})}>← All runs</a>
      </p>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {loaded === null && error === null ? <p class="muted">Loading the run and verifying its proof…</p> : null}
      {loaded ? (
        <>
          <h1 data-testid="goal">{loaded.model.goal}</h1>
          <p class="muted small">
            {loaded.kind === 'verified'
              ? 'Everything below is read from the run’s proof bundle, as this page verified it.'
              : 'Not verified yet: this is the server’s account of the run.'}
          </p>
          {loaded.kind === 'verified' ? (
            <VerdictBanner verdict={loaded.verdict} keyCount={pins.length} />
          ) : (
            <section class="verdict tone-info" data-verdict="PENDING">
              <div class="headline">
                <span aria-hidden="true">◷ </span>NOT VERIFIED YET
              </div>
              <p>{loaded.why}</p>
            </section>
          )}
          <div class="cards">
            <section class="panel" aria-labelledby="facts-heading">
              <h2 id="facts-heading">Run</h2>
              <RunFacts
                run={loaded.model}
                agentName={agents.get(loaded.model.agent_id)}
                extra={
                  loaded.model.trace_status ? (
                    <>
                      <dt>Trace</dt>
                      <dd>
                        <StatusLabel status={loaded.model.trace_status} />
                      </dd>
                    </>
                  ) : null
                }
              />
              {loaded.kind === 'verified' ? (
                <p>
                  <button type="button" onClick={download}>
                    Download the proof bundle
                  </button>{' '}
                  <span class="small muted">
                    and check it offline on the <a href="verify">verify page</a> or with <code>aos-proof verify</code>.
                  </span>
                </p>
              ) : null}
            </section>
            <section class="panel" aria-labelledby="receipt-heading">
              <h2 id="receipt-heading">Receipt</h2>
              <ReceiptView run={loaded.model} verdict={loaded.kind === 'verified' ? loaded.verdict : null} />
            </section>
          </div>
          <section class="panel" aria-labelledby="plan-heading">
            <h2 id="plan-heading">Plan{loaded.model.planner ? ` (${loaded.model.planner} planner)` : ''}</h2>
            <PlanList run={loaded.model} />
          </section>
          <section class="panel" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">Steps</h2>
            <Timeline run={loaded.model} verdict={loaded.kind === 'verified' ? loaded.verdict : null} />
          </section>
        </>
      ) : null}
    </main>
  );
}
