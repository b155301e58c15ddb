import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSkillContext, startHttpPeer, type HttpPeer } from '@aos/testkit';
import { httpCallSkill, httpRequest, redactSecrets, SkillError, type SkillEnv } from '../src/skills/index';

async function failure(promise: Promise<unknown>): Promise<SkillError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SkillError);
    return error as SkillError;
  }
  throw new Error('expected the skill to fail');
}

function call(input: unknown, env: SkillEnv, timeoutMs = 5000) {
  return httpCallSkill.execute(httpCallSkill.inputSchema.parse(input), createSkillContext({ env, timeoutMs }));
}

describe('http_call against a real HTTP peer', () => {
  let peer: HttpPeer;
  let env: SkillEnv;

  beforeAll(async () => {
    peer = await startHttpPeer({
      routes: {
        'GET /json': { body: { hello: 'world', items: [1, 2] } },
        'POST /echo': (request) => ({
          status: 201,
          body: { got: request.json(), type: request.headers['content-type'] },
        }),
        '/missing': { status: 404, body: { error: 'no such thing' } },
        '/rate-limited': { status: 429, body: 'slow down' },
        '/boom': { status: 503, body: 'upstream down' },
        '/slow': { delayMs: 2000, body: 'late' },
        '/big': { sizeBytes: 5000 },
        '/cookie': { headers: { 'set-cookie': 'sid=secret', 'x-request-id': 'r1' }, body: 'ok' },
        '/fake-json': { headers: { 'content-type': 'application/json' }, body: 'not json {' },
      },
    });
    env = { AOS_HTTP_ALLOW_HOSTS: peer.hostPort };
  });
  afterAll(async () => {
    await peer.close();
  });

  it('GETs JSON and returns the parsed body', async () => {
    const result = await call({ url: `${peer.url}/json` }, env);
    expect(result.outcomeCode).toBe('HTTP_200');
    expect(result.costCents).toBe(0);
    expect(result.output).toMatchObject({ status: 200, body: { hello: 'world', items: [1, 2] }, truncated: false });
  });

  it('POSTs a JSON body with the caller headers', async () => {
    const result = await call(
      { url: `${peer.url}/echo`, method: 'POST', body: { a: 1 }, headers: { Authorization: 'Bearer sk-live' } },
      env,
    );
    expect(result.output).toMatchObject({ status: 201, body: { got: { a: 1 }, type: 'application/json' } });
    const received = peer.requests.at(-1);
    expect(received?.headers.authorization).toBe('Bearer sk-live');
  });

  it('sends a string body as text', async () => {
    const result = await call({ url: `${peer.url}/echo`, method: 'POST', body: '"quoted"' }, env);
    expect(result.output.body).toMatchObject({ got: 'quoted', type: 'text/plain; charset=utf-8' });
  });

  it('redacts credential headers of the answer', async () => {
    const result = await call({ url: `${peer.url}/cookie` }, env);
    expect(result.output.headers).toMatchObject({ 'set-cookie': '[REDACTED]', 'x-request-id': 'r1' });
  });

  it('returns a mislabelled JSON body as text', async () => {
    const result = await call({ url: `${peer.url}/fake-json` }, env);
    expect(result.output.body).toBe('not json {');
  });

  it('answers HEAD without a body', async () => {
    const result = await call({ url: `${peer.url}/json`, method: 'HEAD' }, env);
    expect(result.output).toMatchObject({ status: 200, body: '' });
  });

  it('fails a 4xx for good, keeping status and body excerpt', async () => {
    const error = await failure(call({ url: `${peer.url}/missing` }, env));
    expect(error).toMatchObject({ category: 'http_client_error', retryable: false, outcomeCode: 'HTTP_404' });
    expect(error.output).toEqual({ status: 404, body: '{"error":"no such thing"}' });
  });

  it('lets 429 be retried', async () => {
    const error = await failure(call({ url: `${peer.url}/rate-limited` }, env));
    expect(error).toMatchObject({ category: 'http_client_error', retryable: true, outcomeCode: 'HTTP_429' });
  });

  it('lets 5xx be retried, without looping itself', async () => {
    const before = peer.hits('/boom');
    const error = await failure(call({ url: `${peer.url}/boom` }, env));
    expect(error).toMatchObject({ category: 'http_server_error', retryable: true, outcomeCode: 'HTTP_503' });
    expect(error.output).toEqual({ status: 503, body: 'upstream down' });
    expect(peer.hits('/boom') - before).toBe(1);
  });

  it('times out a slow answer (timeout_ms) as a retryable timeout', async () => {
    const started = Date.now();
    const error = await failure(call({ url: `${peer.url}/slow`, timeout_ms: 200 }, env));
    expect(error).toMatchObject({ category: 'timeout', retryable: true, outcomeCode: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('times out when the attempt signal fires first', async () => {
    const error = await failure(call({ url: `${peer.url}/slow` }, env, 200));
    expect(error).toMatchObject({ category: 'timeout', retryable: true });
  });

  it('cuts an oversized body at AOS_HTTP_MAX_BYTES and says so', async () => {
    const result = await call({ url: `${peer.url}/big` }, { ...env, AOS_HTTP_MAX_BYTES: '1000' });
    expect(result.output.truncated).toBe(true);
    expect(result.output.body).toBe('x'.repeat(1000));
  });

  it('reports a refused connection as a retryable network error', async () => {
    const closed = await startHttpPeer();
    await closed.close();
    const error = await failure(call({ url: `${closed.url}/x` }, { AOS_HTTP_ALLOW_HOSTS: closed.hostPort }));
    expect(error).toMatchObject({ category: 'network', retryable: true, outcomeCode: 'NETWORK_ERROR' });
  });

  it('refuses an invalid AOS_HTTP_MAX_BYTES naming it', async () => {
    const error = await failure(call({ url: `${peer.url}/json` }, { ...env, AOS_HTTP_MAX_BYTES: 'lots' }));
    expect(error).toMatchObject({ category: 'not_configured', retryable: false });
    expect(error.message).toMatch(/AOS_HTTP_MAX_BYTES/);
  });

  it('refuses a body on GET in the schema', () => {
    expect(() => httpCallSkill.inputSchema.parse({ url: `${peer.url}/json`, body: { a: 1 } })).toThrow(
      /GET request cannot have a body/,
    );
  });

  it('refuses framing headers in the schema', () => {
    expect(() => httpCallSkill.inputSchema.parse({ url: `${peer.url}/json`, headers: { Host: 'evil' } })).toThrow(
      /set by AOS/,
    );
  });

  it('stores params with credentials redacted', () => {
    const params = httpCallSkill.inputSchema.parse({
      url: `${peer.url}/json`,
      headers: { Authorization: 'Bearer sk-live', 'X-Api-Key': 'k' },
    });
    expect(redactSecrets(params).headers).toEqual({ Authorization: '[REDACTED]', 'X-Api-Key': '[REDACTED]' });
  });
});

describe('network policy on the connection', () => {
  let peer: HttpPeer;

  beforeAll(async () => {
    peer = await startHttpPeer({ routes: { '/ok': { body: { ok: true } } } });
  });
  afterAll(async () => {
    await peer.close();
  });

  it.each([
    ['loopback literal', () => `${peer.url}/ok`, /127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback address/],
    [
      'a name resolving to 127.0.0.1',
      () => `http://localhost:${peer.port}/ok`,
      /localhost:\d+: it resolves to 127\.0\.0\.1, a loopback address \(127\.0\.0\.0\/8\)/,
    ],
    ['an IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${peer.port}/ok`, /loopback/],
    ['a private address', () => 'http://10.0.0.1/', /10\.0\.0\.1:80: 10\.0\.0\.1 is a private address/],
    [
      'the cloud metadata address',
      () => 'http://169.254.169.254/latest/meta-data/',
      /169\.254\.169\.254:80: .*cloud-metadata/,
    ],
    ['the metadata host name', () => 'http://metadata.google.internal/computeMetadata/v1/', /cloud-metadata host name/],
  ])('refuses %s without connecting', async (_name, url, message) => {
    const before = peer.requests.length;
    const error = await failure(call({ url: url() }, {}));
    expect(error).toMatchObject({
      category: 'policy',
      retryable: false,
      outcomeCode: 'NETWORK_POLICY_DENIED',
      code: 'NETWORK_POLICY_DENIED',
    });
    expect(error.message).toMatch(message);
    expect(peer.requests.length).toBe(before);
  });

  it('connects when the host:port is allow-listed, by the name used in the URL', async () => {
    const byName = await call(
      { url: `http://localhost:${peer.port}/ok` },
      { AOS_HTTP_ALLOW_HOSTS: `localhost:${peer.port}` },
    );
    expect(byName.output.body).toEqual({ ok: true });
    const byAddress = await call({ url: `${peer.url}/ok` }, { AOS_HTTP_ALLOW_HOSTS: '127.0.0.1' });
    expect(byAddress.output.status).toBe(200);
    await failure(call({ url: `http://localhost:${peer.port}/ok` }, { AOS_HTTP_ALLOW_HOSTS: peer.hostPort }));
  });

  it('applies to the shared helper too', async () => {
    const error = await failure(httpRequest({ url: `${peer.url}/ok`, method: 'GET', timeoutMs: 1000, env: {} }));
    expect(error.category).toBe('policy');
  });
});
