import type { TrustedKeysView } from '@aos/core/contract';
import { parseVerifierKey } from '@aos/proof';
import { useState } from 'preact/hooks';

/** The key's name and id, as `cus-cli trust list` shows them. */
function describeKey(key: string): string {
  try {
    const parsed = parseVerifierKey(key);
    return `${parsed.name} (key id ${parsed.keyId})`;
  } catch {
    return 'not a verifier key';
  }
}

/**
 * The verifier keys proofs are checked against. Pinning is the viewer's decision: the server's
 * published set is shown beside the pinned one, never adopted silently, so a server that
 * swaps its keys cannot make its own proofs pass here.
 */
export function KeysPage({
  pins,
  published,
  onPins,
}: {
  pins: readonly string[];
  published: TrustedKeysView | null;
  onPins: (keys: string[]) => void;
}) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const unpinned = (published?.keys ?? []).filter((key) => !pins.includes(key));

  const pinTyped = (event: Event) => {
    event.preventDefault();
    const key = typed.trim();
    try {
      parseVerifierKey(key);
    } catch (failure) {
      setError(
        `That is not a verifier key (${failure instanceof Error ? failure.message : String(failure)}): paste the name+keyid+base64 line your operator gave you.`,
      );
      return;
    }
    setError(null);
    setTyped('');
    onPins([...pins, key]);
  };

  return (
    <main id="main" tabIndex={-1}>
      <h1>Verifier keys</h1>
      <p class="muted">
        Every proof on this console is verified in your browser against the keys pinned here (kept in this browser, for
        this server). Compare a key with the one your operator published (for example <code>cus-cli trust list</code>)
        before you pin it.
      </p>
      {pins.length === 0 ? (
        <p class="notice" role="status">
          No key is pinned yet, so nothing can be verified. Pin the deployment's key below once you have checked it.
        </p>
      ) : null}
      <section class="panel" aria-labelledby="pinned-heading">
        <h2 id="pinned-heading">Pinned in this browser</h2>
        {pins.length === 0 ? <p class="muted">None.</p> : null}
        <ul class="keys" data-testid="pinned-keys">
          {pins.map((key) => (
            <li key={key}>
              <code>{key}</code>
              <span class="muted small">{describeKey(key)}</span>
              <button type="button" onClick={() => onPins(pins.filter((pin) => pin !== key))}>
                Unpin
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section class="panel" aria-labelledby="published-heading">
        <h2 id="published-heading">Published by this server</h2>
        {published === null ? <p class="muted">The server's key set could not be read.</p> : null}
        <ul class="keys">
          {(published?.keys ?? []).map((key) => (
            <li key={key}>
              <code>{key}</code>
              <span class="muted small">
                {key === published?.current ? 'current' : 'retired'}
                {pins.includes(key) ? ' · pinned ✓' : ' · not pinned'}
              </span>
              {pins.includes(key) ? null : (
                <button type="button" onClick={() => onPins([...pins, key])}>
                  Pin {describeKey(key).split(' ')[0]}
                </button>
              )}
            </li>
          ))}
        </ul>
        {unpinned.length > 1 ? (
          <button type="button" class="primary" onClick={() => onPins([...pins, ...unpinned])}>
            Pin all {unpinned.length} published keys
          </button>
        ) : null}
      </section>
      <section class="panel" aria-labelledby="paste-heading">
        <h2 id="paste-heading">Pin a key you were given</h2>
        <form onSubmit={pinTyped}>
          <div class="field">
            <label for="pin-key">Verifier key</label>
            <input
              id="pin-key"
              type="text"
              spellcheck={false}
              placeholder="name+keyid+base64"
              value={typed}
              onInput={(event) => setTyped(event.currentTarget.value)}
            />
          </div>
          {error ? (
            <p class="error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit">Pin this key</button>
        </form>
      </section>
    </main>
  );
}
