import { createHash } from 'node:crypto';
import { startHttpPeer, type HttpPeer, type PeerRequest, type PeerResponse } from './http-peer';

/** Options of {@link startEmbeddingsPeer}. */
export interface EmbeddingsPeerOptions {
  /** Bearer key the peer demands (401 otherwise). */
  readonly apiKey?: string;
  /** Length of every vector (default 8). */
  readonly dimensions?: number;
}

/** A Voyage-style embeddings server: `POST <baseUrl>/embeddings`. */
export interface EmbeddingsPeer extends HttpPeer {
  /** `http://127.0.0.1:<port>/v1`, for AOS_VOYAGE_BASE_URL. */
  readonly baseUrl: string;
  /** The vector the peer returns for `text` (deterministic: derived from its SHA-256). */
  vectorFor(text: string): number[];
}

/**
 * Starts a Voyage-compatible embeddings server on 127.0.0.1: `{input: [...], model}` →
 * `{object: 'list', data: [{embedding, index}], model, usage: {total_tokens}}`, one
 * deterministic vector per input, total_tokens = Σ ceil(characters / 4).
 */
export async function startEmbeddingsPeer(options: EmbeddingsPeerOptions = {}): Promise<EmbeddingsPeer> {
  const dimensions = options.dimensions ?? 8;
  const vectorFor = (text: string): number[] => {
    const digest = createHash('sha256').update(text).digest();
    return Array.from({ length: dimensions }, (_, i) => Number(((digest[i % digest.length] ?? 0) / 255).toFixed(6)));
  };
  const handle = (request: PeerRequest): PeerResponse => {
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return { status: 401, body: { detail: 'Provided API key is invalid.' } };
    }
    const body = request.json<{ input?: unknown; model?: string }>();
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(inputs) || inputs.some((item) => typeof item !== 'string')) {
      return { status: 400, body: { detail: 'input must be a string or a list of strings' } };
    }
    const texts = inputs as string[];
    return {
      body: {
        object: 'list',
        // Reversed on purpose: clients must order by `index`, not by position.
        data: texts.map((text, index) => ({ object: 'embedding', embedding: vectorFor(text), index })).reverse(),
        model: body.model ?? 'voyage-3.5',
        usage: { total_tokens: texts.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0) },
      },
    };
  };
  const peer = await startHttpPeer({ routes: { 'POST /v1/embeddings': handle } });
  return { ...peer, baseUrl: `${peer.url}/v1`, vectorFor };
}
