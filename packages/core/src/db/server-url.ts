// pg (8.x) reads sslmode=prefer, require and verify-ca as verify-full — the certificate and the
// host name are checked — and warns, on every process, that v9 will adopt libpq's weaker meaning.
// AOS keeps today's checked meaning and says so once, in docs/cus-cli.md ("Storage"), rather than
// on every command: the URL given to pg names verify-full. uselibpqcompat=true opts into libpq's
// semantics and is left alone.
const ALIASES_OF_VERIFY_FULL = new Set(['prefer', 'require', 'verify-ca']);

/** `url` as pg should get it: an sslmode pg treats as verify-full is written as verify-full. */
export function serverConnectionString(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const mode = parsed.searchParams.get('sslmode');
  if (mode === null || !ALIASES_OF_VERIFY_FULL.has(mode) || parsed.searchParams.get('uselibpqcompat') === 'true') {
    return url;
  }
  parsed.searchParams.set('sslmode', 'verify-full');
  return parsed.toString();
}
