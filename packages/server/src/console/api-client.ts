import type { AgentView } from '@aos/core/contract';

// The console's only way to the server: same-origin fetches with the API key as a bearer
// token (CSP `connect-src 'self'`). Failures become one line that says what to do next.

/** An answer the console cannot use, with the server's code when it sent one. */
export class ConsoleApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleApiError';
  }
}

function explain(status: number, code: string, message: string): string {
  switch (status) {
    case 401:
      return 'The server refused this API key: sign in again with a valid key.';
    case 403:
      return `${message}: ask your operator for a key with the runs:read and proofs:read scopes.`;
    case 429:
      return 'Too many requests for this key: wait a minute, then reload.';
    default:
      return status >= 500 ? `The server failed (${code}: ${message}): reload in a moment.` : `${message} (${code}).`;
  }
}

async function send(path: string, apiKey: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { authorization: `Bearer ${apiKey}` }, cache: 'no-store' });
  } catch {
    throw new ConsoleApiError(
      0,
      'UNREACHABLE',
      'The server does not answer: check that aos-server is running, then reload.',
    );
  }
  if (response.ok) return response;
  let code = `HTTP_${response.status}`;
  let message = response.statusText || 'request failed';
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not the API's error envelope: the status line is all there is.
  }
  throw new ConsoleApiError(response.status, code, explain(response.status, code, message));
}

/** GET a JSON document of the API. */
export async function getJson<T>(path: string, apiKey: string): Promise<T> {
  return (await (await send(path, apiKey)).json()) as T;
}

/** GET a document as text (a proof bundle, parsed by the verifier's own rules). */
export async function getText(path: string, apiKey: string): Promise<string> {
  return (await send(path, apiKey)).text();
}

/** The one line to show for any failure. */
export function errorLine(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? 'Something failed: reload the page.';
  return String(error);
}

const agentNames = new Map<string, Promise<Map<string, string>>>();

/** The agents the key can see, by id; read once per key and page load (names are for display only). */
export function readAgentNames(apiKey: string): Promise<Map<string, string>> {
  let names = agentNames.get(apiKey);
  if (names === undefined) {
    names = getJson<{ agents: AgentView[] }>('/v1/agents', apiKey)
      .then((view) => new Map(view.agents.map((agent) => [agent.id, agent.name])))
      .catch(() => new Map<string, string>());
    agentNames.set(apiKey, names);
  }
  return names;
}
