import { describe, expect, it } from 'vitest';
import { REDACTED, redactOutcome, redactSecrets, redactSecretValues } from './redact-secrets';
import { SkillError } from './skill-types';

describe('redactSecrets', () => {
  it('redacts credential headers in any headers object, case-insensitively', () => {
    const params = {
      url: 'https://api.example.com',
      headers: {
        Authorization: 'Bearer sk-1',
        cookie: 'sid=1',
        'Set-Cookie': 'a=b',
        'X-API-KEY': 'k',
        'api-key': 'k2',
        'Proxy-Authorization': 'Basic x',
        Accept: 'application/json',
      },
      nested: [{ headers: { AUTHORIZATION: 'x' } }],
    };
    expect(redactSecrets(params)).toEqual({
      url: 'https://api.example.com',
      headers: {
        Authorization: REDACTED,
        cookie: REDACTED,
        'Set-Cookie': REDACTED,
        'X-API-KEY': REDACTED,
        'api-key': REDACTED,
        'Proxy-Authorization': REDACTED,
        Accept: 'application/json',
      },
      nested: [{ headers: { AUTHORIZATION: REDACTED } }],
    });
  });

  it('redacts secret-named keys but not look-alikes', () => {
    expect(
      redactSecrets({
        api_key: 'a',
        password: 'b',
        secret: 'c',
        token: 'd',
        access_token: 'e',
        client_secret: 'f',
        webhook_url: 'g',
        max_tokens: 5,
        secret_name: 'ok',
      }),
    ).toEqual({
      api_key: REDACTED,
      password: REDACTED,
      secret: REDACTED,
      token: REDACTED,
      access_token: REDACTED,
      client_secret: REDACTED,
      webhook_url: REDACTED,
      max_tokens: 5,
      secret_name: 'ok',
    });
  });

  it('redacts passwords inside URLs and leaves the input untouched', () => {
    const params = { url: 'https://user:hunter2@example.com/x', headers: { authorization: 'x' } };
    expect(redactSecrets(params).url).toBe(`https://user:${REDACTED}@example.com/x`);
    expect(params.headers.authorization).toBe('x');
  });
});

describe('redacting resolved secret values', () => {
  const secrets = new Map([
    ['API_TOKEN', 'tok-"live"/9 x'],
    ['SHORT', 'ab'],
  ]);

  it('puts the reference back in params, and keeps a credential header that holds only references', () => {
    expect(
      redactSecrets(
        {
          url: 'https://api.example.com/?q=tok-%22live%22%2F9%20x',
          headers: { Authorization: 'Bearer tok-"live"/9 x', 'X-Other': 'literal' },
          token: 'tok-"live"/9 x',
          password: 'hunter2',
        },
        secrets,
      ),
    ).toEqual({
      url: 'https://api.example.com/?q={{secrets.API_TOKEN}}',
      headers: { Authorization: 'Bearer {{secrets.API_TOKEN}}', 'X-Other': 'literal' },
      token: '{{secrets.API_TOKEN}}',
      password: REDACTED,
    });
  });

  it('finds a value echoed raw, JSON-escaped, form-encoded, in keys, and an excerpt cut inside it', () => {
    const echoed = {
      body: {
        raw: 'you sent tok-"live"/9 x, right?',
        text: '{"auth":"Bearer tok-\\"live\\"/9 x"}',
        form: 'a=tok-%22live%22%2F9+x',
        'tok-"live"/9 x': 1,
        cut: 'invalid token tok-"liv…',
        end: 'invalid token tok-"li',
        short: 'cab',
      },
    };
    expect(redactSecretValues(echoed, secrets)).toEqual({
      body: {
        raw: 'you sent {{secrets.API_TOKEN}}, right?',
        text: '{"auth":"Bearer {{secrets.API_TOKEN}}"}',
        form: 'a={{secrets.API_TOKEN}}',
        '{{secrets.API_TOKEN}}': 1,
        cut: 'invalid token {{secrets.API_TOKEN}}…',
        end: 'invalid token {{secrets.API_TOKEN}}',
        short: 'c{{secrets.SHORT}}',
      },
    });
  });

  it('redacts the message and output of a failed outcome and the output of a success', () => {
    const failed = redactOutcome(
      {
        ok: false,
        error: new SkillError('http_client_error', 'HTTP 401: bad token tok-"live"/9 x', {
          retryable: false,
          outcomeCode: 'HTTP_401',
          output: { status: 401, body: 'bad token tok-"live"/9 x' },
        }),
      },
      secrets,
    );
    expect(failed.ok).toBe(false);
    if (failed.ok) return;
    expect(failed.error).toBeInstanceOf(SkillError);
    expect(failed.error.message).toBe('HTTP 401: bad token {{secrets.API_TOKEN}}');
    expect(failed.error.output).toEqual({ status: 401, body: 'bad token {{secrets.API_TOKEN}}' });
    expect([failed.error.category, failed.error.outcomeCode, failed.error.retryable]).toEqual([
      'http_client_error',
      'HTTP_401',
      false,
    ]);
    const succeeded = redactOutcome(
      { ok: true, result: { output: { echo: 'tok-"live"/9 x' }, costCents: 0, outcomeCode: 'OK' } },
      secrets,
    );
    expect(succeeded).toEqual({
      ok: true,
      result: { output: { echo: '{{secrets.API_TOKEN}}' }, costCents: 0, outcomeCode: 'OK' },
    });
  });
});
