import { describe, expect, it } from 'vitest';
import { serverConnectionString } from './server-url';

describe('serverConnectionString', () => {
  it('names verify-full for the sslmodes pg treats as verify-full, so pg does not warn', () => {
    for (const mode of ['prefer', 'require', 'verify-ca']) {
      expect(serverConnectionString(`postgres://u:p@db:5432/aos?sslmode=${mode}`)).toBe(
        'postgres://u:p@db:5432/aos?sslmode=verify-full',
      );
    }
  });

  it('leaves other URLs, and libpq semantics asked for with uselibpqcompat=true, as they are', () => {
    for (const url of [
      'postgres://db/aos',
      'postgres://db/aos?sslmode=disable',
      'postgres://db/aos?sslmode=verify-full',
      'postgres://db/aos?uselibpqcompat=true&sslmode=require',
    ]) {
      expect(serverConnectionString(url)).toBe(url);
    }
  });
});
