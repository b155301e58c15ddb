import { describe, expect, it } from 'vitest';
import { assertUrlAllowed, classifyAddress, isAllowListed, parseAllowList } from './network-policy';
import { SkillError } from './skill-types';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'cloud-metadata'],
    ['fd00:ec2::254', 'cloud-metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud-metadata'],
    ['::ffff:10.1.2.3', 'private'],
    ['64:ff9b::a9fe:a9fe', 'cloud-metadata'],
    ['2002:7f00:1::', 'loopback'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
  ])('refuses %s as %s', (address, rule) => {
    expect(classifyAddress(address)?.rule).toBe(rule);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '2002:0808:0808::',
  ])('allows public %s', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });
});

describe('AOS_HTTP_ALLOW_HOSTS', () => {
  it('parses host:port, host alone and bracketed IPv6', () => {
    expect(parseAllowList(' 127.0.0.1:8080 , Intranet.Local., [::1]:9000, [fd00::1] ')).toEqual([
      { host: '127.0.0.1', port: 8080 },
      { host: 'intranet.local', port: undefined },
      { host: '::1', port: 9000 },
      { host: 'fd00::1', port: undefined },
    ]);
  });

  it('matches the exact port, or any port for a bare host', () => {
    const env = { AOS_HTTP_ALLOW_HOSTS: '127.0.0.1:8080,intranet.local' };
    expect(isAllowListed('127.0.0.1', 8080, env)).toBe(true);
    expect(isAllowListed('127.0.0.1', 8081, env)).toBe(false);
    expect(isAllowListed('INTRANET.local.', 1234, env)).toBe(true);
    expect(isAllowListed('localhost', 8080, env)).toBe(false);
  });

  it('refuses a malformed entry naming it', () => {
    expect(() => parseAllowList('host:notaport')).toThrow(/AOS_HTTP_ALLOW_HOSTS entry "host:notaport"/);
  });
});

describe('assertUrlAllowed', () => {
  const refused = async (url: string, env = {}): Promise<SkillError> => {
    try {
      await assertUrlAllowed(url, env);
    } catch (error) {
      expect(error).toBeInstanceOf(SkillError);
      return error as SkillError;
    }
    throw new Error(`expected ${url} to be refused`);
  };

  it.each([
    ['http://127.0.0.1:8080/x', /127\.0\.0\.1:8080.*loopback/],
    ['http://10.0.0.1/', /10\.0\.0\.1:80.*private/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254:80.*cloud-metadata/],
    ['http://metadata.google.internal./computeMetadata/v1/', /metadata\.google\.internal:80.*cloud-metadata/],
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    ['https://localhost:8443/', /localhost:8443: it resolves to 127\.0\.0\.1.*loopback/],
  ])('refuses %s with a policy error naming host and rule', async (url, message) => {
    const error = await refused(url);
    expect(error.category).toBe('policy');
    expect(error.retryable).toBe(false);
    expect(error.code).toBe('NETWORK_POLICY_DENIED');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/AOS_HTTP_ALLOW_HOSTS/);
  });

  it('refuses schemes other than http and https', async () => {
    expect((await refused('file:///etc/passwd')).category).toBe('policy');
  });

  it('passes allow-listed hosts and public addresses', async () => {
    await expect(
      assertUrlAllowed('http://localhost:8080/', { AOS_HTTP_ALLOW_HOSTS: 'localhost:8080' }),
    ).resolves.toBeUndefined();
    await expect(assertUrlAllowed('http://10.0.0.1/', { AOS_HTTP_ALLOW_HOSTS: '10.0.0.1' })).resolves.toBeUndefined();
    await expect(assertUrlAllowed('https://93.184.216.34/', {})).resolves.toBeUndefined();
  });

  it('is still refused on another port than the listed one', async () => {
    expect((await refused('http://localhost:8081/', { AOS_HTTP_ALLOW_HOSTS: 'localhost:8080' })).category).toBe(
      'policy',
    );
  });
});
