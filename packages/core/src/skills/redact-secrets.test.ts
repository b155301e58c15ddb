import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact-secrets';

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
