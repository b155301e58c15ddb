import './styles.css';
import type { TrustedKeysView, WhoAmIView } from '@aos/core/contract';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ConsoleApiError, errorLine, getJson } from './api-client';
import { KeysPage } from './keys-page';
import { RunPage } from './run-page';
import { RunsPage } from './runs-page';
import { parseRoute, runsHash, type Route, type Session } from './session';
import { SignIn } from './sign-in';
import { forgetApiKey, readApiKey, readPinnedKeys, saveApiKey, savePinnedKeys } from './storage';

// The web console (SPEC §15), served by aos-server at /console/. Pages are hash routes, so the
// server serves one document and a reload stays on the page.

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(location.hash));
      // A new page: focus its main region, so keyboard and screen-reader users start there.
      requestAnimationFrame(() => document.getElementById('main')?.focus());
    };
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(() => readApiKey() !== null);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [pins, setPins] = useState<string[]>(readPinnedKeys);
  const [published, setPublished] = useState<TrustedKeysView | null>(null);

  const signOut = (why?: string) => {
    forgetApiKey();
    setSession(null);
    setNotice(why);
  };

  // A key kept in this tab from before a reload is checked again before it is used.
  useEffect(() => {
    const apiKey = readApiKey();
    if (apiKey === null) return;
    getJson<WhoAmIView>('/v1/whoami', apiKey)
      .then((who) => setSession({ apiKey, who }))
      .catch((failure: unknown) => {
        if (failure instanceof ConsoleApiError && (failure.status === 401 || failure.status === 403)) {
          signOut(errorLine(failure));
        } else setNotice(errorLine(failure));
      })
      .finally(() => setChecking(false));
  }, []);

  useEffect(() => {
    if (session === null) return;
    getJson<TrustedKeysView>('/v1/keys', session.apiKey)
      .then(setPublished)
      .catch(() => setPublished(null));
  }, [session?.apiKey]);

  const updatePins = (keys: string[]) => {
    savePinnedKeys(keys);
    setPins(readPinnedKeys());
  };

  if (checking) return <p class="muted signin">Checking your key…</p>;
  if (session === null) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(apiKey, who) => {
          saveApiKey(apiKey);
          setNotice(undefined);
          setSession({ apiKey, who });
          // Nothing can be verified before a key is pinned: start there.
          location.hash = readPinnedKeys().length === 0 ? '#/keys' : runsHash({});
        }}
      />
    );
  }

  const unpinned = (published?.keys ?? []).filter((key) => !pins.includes(key));
  const page =
    route.page === 'run' ? (
      <RunPage key={route.id} session={session} runId={route.id} pins={pins} />
    ) : route.page === 'keys' ? (
      <KeysPage pins={pins} published={published} onPins={updatePins} />
    ) : (
      // Keyed by its query: another page or filter starts from "Loading", never shows the last one's rows.
      <RunsPage key={route.query.toString()} session={session} query={route.query} pins={pins} />
    );
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(event) => (event.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          AOS <span>console</span>
        </div>
        <nav aria-label="Console">
          <a href={runsHash({})} aria-current={route.page !== 'keys' ? 'page' : undefined}>
            Runs
          </a>
          <a href="#/keys" aria-current={route.page === 'keys' ? 'page' : undefined}>
            Keys ({pins.length} pinned)
          </a>
          <a href="verify">Verify a file</a>
        </nav>
        <div class="who">
          <span>
            tenant <strong>{session.who.tenant_id}</strong> · key <code>{session.who.prefix}</code>
          </span>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {unpinned.length > 0 && route.page !== 'keys' ? (
        <p class="notice banner" role="status">
          This server publishes {unpinned.length === 1 ? 'a verifier key' : `${unpinned.length} verifier keys`} you have
          not pinned: proofs signed by {unpinned.length === 1 ? 'it' : 'them'} FAIL here until you check and pin{' '}
          {unpinned.length === 1 ? 'it' : 'them'} under <a href="#/keys">Keys</a>.
        </p>
      ) : null}
      {page}
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
