import { startHttpPeer, type HttpPeer, type PeerRequest, type PeerResponse } from './http-peer';

/** Token counts the chat peer reports. */
export interface ChatUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
}

/** Options of {@link startChatPeer}. */
export interface ChatPeerOptions {
  /** Bearer key the peer demands (401 otherwise); unset: any or no key is accepted. */
  readonly apiKey?: string;
  /** Reply content: a string, an object (sent as its JSON text — e.g. a plan for the llm planner), or a function of the request body. */
  readonly content?: string | object | ((body: ChatRequestBody) => string | object);
  /** Usage to report; default: prompt = characters / 4, completion = characters / 4 (rounded up). */
  readonly usage?: ChatUsage | null;
  /** Model to report; default: the requested one. */
  readonly model?: string;
}

/** The request body an OpenAI-compatible client sends. */
export interface ChatRequestBody {
  readonly model: string;
  readonly messages: { role: string; content: string }[];
  readonly max_tokens?: number;
  readonly temperature?: number;
}

/** An OpenAI-compatible chat server: `POST <baseUrl>/chat/completions`. */
export interface ChatPeer extends HttpPeer {
  /** `http://127.0.0.1:<port>/v1`, for AOS_LLM_BASE_URL. */
  readonly baseUrl: string;
  /** Bodies of the chat requests received. */
  readonly chats: ChatRequestBody[];
  /** Replaces the reply content for later requests. */
  setContent(content: NonNullable<ChatPeerOptions['content']>): void;
  /** Replaces the usage reported for later requests (e.g. more than the request's max_tokens). */
  setUsage(usage: ChatPeerOptions['usage']): void;
}

/**
 * Starts an OpenAI-compatible chat completion server on 127.0.0.1 that checks the Bearer key
 * and answers with configurable content and `usage`.
 *
 * @example
 * ```ts
 * const llm = await startChatPeer({ apiKey: 'k', content: 'hello', usage: { prompt_tokens: 10, completion_tokens: 5 } })
 * env.AOS_LLM_BASE_URL = llm.baseUrl
 * ```
 */
export async function startChatPeer(options: ChatPeerOptions = {}): Promise<ChatPeer> {
  let content = options.content ?? 'ok';
  let reported = options.usage;
  const chats: ChatRequestBody[] = [];
  const handle = (request: PeerRequest): PeerResponse => {
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return { status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } } };
    }
    let body: ChatRequestBody;
    try {
      body = request.json<ChatRequestBody>();
    } catch {
      return { status: 400, body: { error: { message: 'body is not JSON' } } };
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return { status: 400, body: { error: { message: 'messages is required' } } };
    }
    chats.push(body);
    const produced = typeof content === 'function' ? content(body) : content;
    const text = typeof produced === 'string' ? produced : JSON.stringify(produced);
    const promptChars = body.messages.reduce((sum, m) => sum + String(m.content).length, 0);
    const usage =
      reported === null
        ? undefined
        : (reported ?? {
            prompt_tokens: Math.ceil(promptChars / 4),
            completion_tokens: Math.ceil(text.length / 4),
          });
    return {
      body: {
        id: `chatcmpl-${chats.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: options.model ?? body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
      },
    };
  };
  const peer = await startHttpPeer({ routes: { 'POST /v1/chat/completions': handle } });
  return {
    ...peer,
    baseUrl: `${peer.url}/v1`,
    chats,
    setContent: (next) => {
      content = next;
    },
    setUsage: (next) => {
      reported = next;
    },
  };
}
