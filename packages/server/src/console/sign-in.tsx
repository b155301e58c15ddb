import type { WhoAmIView } from '@aos/core/contract';
import { useState } from 'preact/hooks';
import { errorLine, getJson } from './api-client';

/** Sign-in with an API key: checked with `/v1/whoami` before the page keeps it (sessionStorage). */
export function SignIn({
  onSignedIn,
  notice,
}: {
  onSignedIn: (key: string, who: WhoAmIView) => void;
  notice?: string;
}) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const presented = key.trim();
    if (presented === '') {
      setError('Enter the API key your operator gave you (it starts with aos_).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(presented, await getJson<WhoAmIView>('/v1/whoami', presented));
    } catch (failure) {
      setError(errorLine(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" tabIndex={-1} class="signin">
      <div class="panel">
        <h1>Sign in to the AOS console</h1>
        <p class="muted">
          Your key stays in this tab only (sessionStorage): closing the tab signs you out. Proofs are verified here, in
          your browser, against the verifier keys you pin.
        </p>
        {notice ? <p class="notice">{notice}</p> : null}
        <form onSubmit={(event) => void submit(event)}>
          <div class="field">
            <label for="api-key">API key</label>
            <input
              id="api-key"
              name="api-key"
              type="password"
              autocomplete="off"
              spellcheck={false}
              placeholder="aos_…"
              value={key}
              onInput={(event) => setKey(event.currentTarget.value)}
              aria-describedby={error ? 'sign-in-error' : undefined}
            />
          </div>
          {error ? (
            <p class="error" id="sign-in-error" role="alert">
              {error}
            </p>
          ) : null}
          <button class="primary" type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
