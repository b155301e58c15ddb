import './styles.css';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { formatTime } from './format';
import { runFromBundle, type RunModel } from './run-model';
import { PlanList, ReceiptView, RunFacts, Timeline, VerdictBanner } from './run-views';
import { readPinnedKeys } from './storage';
import { verifyBundleText, type Verdict } from './verification';

// /console/verify: one self-contained page that verifies a proof bundle file in the browser.
// It makes no network request at all — its Content-Security-Policy (`connect-src 'none'`, in a
// <meta> tag, so it holds from file:// too) would refuse one — and it reads nothing but the
// file it is given and the keys typed in.

// A bundle is read whole into memory here; larger ones are for `aos-proof verify`, which streams.
const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

interface Checked {
  readonly name: string;
  readonly model: RunModel;
  readonly verdict: Verdict;
  readonly at: string;
}

/** Keys pinned in the console of the same origin, when this page is served by aos-server. */
function pinnedHere(): string {
  try {
    return readPinnedKeys().join('\n');
  } catch {
    // file:// pages may have no web storage at all.
    return '';
  }
}

function VerifyPage() {
  const [keys, setKeys] = useState(pinnedHere);
  const [checkpoint, setCheckpoint] = useState('');
  const [checked, setChecked] = useState<Checked | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const keyList = keys
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

  const verifyFile = async (file: File | undefined) => {
    if (file === undefined) return;
    setError(null);
    setChecked(null);
    if (keyList.length === 0) {
      setError('Enter the verifier key you trust first (name+keyid+base64, one per line), then choose the file again.');
      return;
    }
    if (file.size > MAX_BUNDLE_BYTES) {
      setError(
        `${file.name} is ${Math.round(file.size / 1048576)} MiB: verify bundles over 256 MiB with aos-proof verify.`,
      );
      return;
    }
    setBusy(true);
    try {
      const text = await file.text();
      const saved = checkpoint.trim() === '' ? undefined : `${checkpoint.trim()}\n`;
      const { bundle, verdict } = verifyBundleText(text, keyList, saved);
      setChecked({ name: file.name, model: runFromBundle(bundle), verdict, at: new Date().toISOString() });
    } catch (failure) {
      setError(
        `${file.name} could not be read (${failure instanceof Error ? failure.message : String(failure)}): choose it again.`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <header class="topbar">
        <div class="brand">
          AOS <span>verify</span>
        </div>
        <div class="who">Offline: this page makes no network request</div>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>Verify a proof bundle</h1>
        <p class="muted">
          Checks an <code>aos.proof-bundle.v2</code> file in this page: the plan, every step, the hash chain, the Merkle
          root, the deployment's signature and the run's tenant-log receipt. Nothing is sent anywhere: this page is not
          allowed to make a network request.
        </p>
        <section class="panel" aria-labelledby="keys-heading">
          <h2 id="keys-heading">1. The verifier keys you trust</h2>
          <div class="field">
            <label for="trusted-keys">Verifier keys (one per line)</label>
            <textarea
              id="trusted-keys"
              rows={3}
              spellcheck={false}
              placeholder="aos.example.com+1a2b3c4d+AbCd…"
              value={keys}
              onInput={(event) => setKeys(event.currentTarget.value)}
            />
          </div>
          <details>
            <summary class="small">Also require that the log extends a tenant checkpoint you saved (optional)</summary>
            <div class="field">
              <label for="saved-checkpoint">Saved tenant checkpoint (signed note)</label>
              <textarea
                id="saved-checkpoint"
                rows={5}
                spellcheck={false}
                value={checkpoint}
                onInput={(event) => setCheckpoint(event.currentTarget.value)}
              />
            </div>
          </details>
        </section>
        <section class="panel" aria-labelledby="file-heading">
          <h2 id="file-heading">2. The bundle</h2>
          <div
            class={`dropzone${dragging ? ' active' : ''}`}
            data-testid="dropzone"
            onDragOver={(event) => {
              event.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(event) => {
              event.preventDefault();
              setDragging(false);
              void verifyFile(event.dataTransfer?.files[0]);
            }}
          >
            <p>Drop a bundle file here, or</p>
            <label for="bundle-file">Choose a bundle file </label>
            <input
              id="bundle-file"
              type="file"
              accept=".json,application/json"
              onChange={(event) => {
                const input = event.currentTarget;
                void verifyFile(input.files?.[0]).finally(() => (input.value = ''));
              }}
            />
          </div>
          {busy ? <p class="muted">Verifying…</p> : null}
          {error ? (
            <p class="error" role="alert">
              {error}
            </p>
          ) : null}
        </section>
        {checked ? (
          <div aria-live="polite">
            <p class="small muted">
              {checked.name}, verified in this page at {formatTime(checked.at)}.
            </p>
            <VerdictBanner verdict={checked.verdict} keyCount={keyList.length} keysFrom="you entered" />
            <div class="cards">
              <section class="panel" aria-labelledby="run-heading">
                <h2 id="run-heading">{checked.model.goal || 'Run'}</h2>
                <RunFacts run={checked.model} />
              </section>
              <section class="panel" aria-labelledby="receipt-heading">
                <h2 id="receipt-heading">Receipt</h2>
                <ReceiptView run={checked.model} verdict={checked.verdict} />
              </section>
            </div>
            <section class="panel" aria-labelledby="plan-heading">
              <h2 id="plan-heading">Plan</h2>
              <PlanList run={checked.model} />
            </section>
            <section class="panel" aria-labelledby="steps-heading">
              <h2 id="steps-heading">Steps</h2>
              <Timeline run={checked.model} verdict={checked.verdict} />
            </section>
          </div>
        ) : null}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<VerifyPage />, root);
