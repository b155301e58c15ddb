// A Server-Sent Events reader for `GET /v1/runs/{id}/events`. Hand-written rather than a
// dependency: the WHATWG parsing rules are a few dozen lines, the client needs only `event`,
// `data` and `id` (no reconnection policy of the library's own: the caller resumes with
// Last-Event-ID from what it has stored), and keeping @aos/core/client free of packages beyond
// zod keeps `npx @aos/cus-cli` small and its lockfile short.

/** One dispatched event: its type (`message` when unnamed), its data lines joined, and its id. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  /** The last `id:` seen so far in the stream (the spec's "last event ID"), or null. */
  readonly id: string | null;
}

/** Longest line accepted: a stored step is small; a peer that never ends a line is refused. */
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/**
 * The events of an SSE byte stream, in order, as they arrive. Ends when the stream ends; a
 * trailing event without its blank line is dropped, as the specification says.
 */
export async function* readSseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let lastId: string | null = null;
  let first = true;
  const lines = function* (final: boolean): Generator<string> {
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (match === null || (match[0] === '\r' && match.index === buffer.length - 1 && !final)) break;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      yield line;
    }
    if (buffer.length > MAX_LINE_CHARS)
      throw new Error(`an event stream line is longer than ${MAX_LINE_CHARS} characters`);
  };
  const take = (line: string): SseEvent | null => {
    if (first) {
      first = false;
      if (line.startsWith('\uFEFF')) line = line.slice(1);
    }
    if (line === '') {
      if (data.length === 0) {
        event = '';
        return null;
      }
      const dispatched = { event: event === '' ? 'message' : event, data: data.join('\n'), id: lastId };
      event = '';
      data = [];
      return dispatched;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\u0000')) lastId = value;
    return null;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (const line of lines(false)) {
      const dispatched = take(line);
      if (dispatched) yield dispatched;
    }
  }
  buffer += decoder.decode();
  for (const line of lines(true)) {
    const dispatched = take(line);
    if (dispatched) yield dispatched;
  }
}
