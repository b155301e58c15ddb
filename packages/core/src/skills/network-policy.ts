import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { SkillError, type SkillEnv } from './skill-types';

/** Why an address is refused. */
export const ADDRESS_RULES = [
  'cloud-metadata',
  'unspecified',
  'loopback',
  'private',
  'link-local',
  'multicast',
  'reserved',
] as const;
export type AddressRule = (typeof ADDRESS_RULES)[number];

/** The rule and range that refuse an address. */
export interface AddressVerdict {
  readonly rule: AddressRule;
  readonly range: string;
}

interface Range {
  readonly rule: AddressRule;
  readonly cidr: string;
  readonly base: bigint;
  readonly bits: number;
}

// Most specific first: the metadata endpoints sit inside link-local / private ranges and
// deserve their own name in the message.
const IPV4_RANGES: readonly Range[] = [
  ['cloud-metadata', '169.254.169.254/32'],
  ['cloud-metadata', '169.254.170.2/32'],
  ['cloud-metadata', '100.100.100.200/32'],
  ['cloud-metadata', '192.0.0.192/32'],
  ['unspecified', '0.0.0.0/8'],
  ['loopback', '127.0.0.0/8'],
  ['private', '10.0.0.0/8'],
  ['private', '172.16.0.0/12'],
  ['private', '192.168.0.0/16'],
  ['private', '100.64.0.0/10'],
  ['link-local', '169.254.0.0/16'],
  ['reserved', '192.0.0.0/24'],
  ['reserved', '198.18.0.0/15'],
  ['multicast', '224.0.0.0/4'],
  ['reserved', '240.0.0.0/4'],
].map(([rule, cidr]) => toRange(rule as AddressRule, cidr as string, 32));

const IPV6_RANGES: readonly Range[] = [
  ['cloud-metadata', 'fd00:ec2::254/128'],
  ['unspecified', '::/128'],
  ['loopback', '::1/128'],
  ['private', 'fc00::/7'],
  ['private', 'fec0::/10'],
  ['link-local', 'fe80::/10'],
  ['multicast', 'ff00::/8'],
  // Deprecated IPv4-compatible addresses (::a.b.c.d); nothing legitimate uses them.
  ['reserved', '::/96'],
].map(([rule, cidr]) => toRange(rule as AddressRule, cidr as string, 128));

// IPv6 forms that carry an IPv4 address the packet may end up at: mapped, NAT64 and 6to4.
const IPV4_MAPPED = toRange('reserved', '::ffff:0:0/96', 128);
const NAT64 = toRange('reserved', '64:ff9b::/96', 128);
const SIX_TO_FOUR = toRange('reserved', '2002::/16', 128);

/** Host names that reach a cloud metadata service whatever they resolve to here. */
export const BLOCKED_HOSTNAMES: readonly string[] = ['metadata.google.internal', 'metadata.goog', 'metadata'];

function toRange(rule: AddressRule, cidr: string, width: number): Range {
  const [address, bits] = cidr.split('/') as [string, string];
  const value = width === 32 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  if (value === undefined) throw new Error(`bad range ${cidr}`);
  return { rule, cidr, base: value, bits: Number(bits) };
}

function inRange(value: bigint, range: Range, width: number): boolean {
  const shift = BigInt(width - range.bits);
  return value >> shift === range.base >> shift;
}

function ipv4ToBigInt(address: string): bigint | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function ipv6ToBigInt(input: string): bigint | undefined {
  let address = input.replace(/^\[|\]$/g, '');
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  let tail: number[] = [];
  const lastColon = address.lastIndexOf(':');
  if (address.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4ToBigInt(address.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    // Keep a trailing '::' (it stands for zero groups); otherwise drop the separating colon.
    address = address.slice(0, lastColon + 1);
    if (!address.endsWith('::')) address = address.slice(0, -1);
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/**
 * Why AOS refuses to connect to `address` (an IPv4 or IPv6 literal), or undefined when it may.
 * IPv6 addresses that embed an IPv4 address (mapped, NAT64, 6to4) are judged by that address.
 *
 * @example
 * ```ts
 * classifyAddress('10.1.2.3') // { rule: 'private', range: '10.0.0.0/8' }
 * classifyAddress('::ffff:127.0.0.1') // { rule: 'loopback', range: '127.0.0.0/8' }
 * classifyAddress('93.184.216.34') // undefined
 * ```
 */
export function classifyAddress(address: string): AddressVerdict | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare.split('%')[0] ?? '');
  if (family === 4) {
    const value = ipv4ToBigInt(bare);
    if (value === undefined) return { rule: 'reserved', range: 'unparseable address' };
    const hit = IPV4_RANGES.find((range) => inRange(value, range, 32));
    return hit && { rule: hit.rule, range: hit.cidr };
  }
  if (family === 6) {
    const value = ipv6ToBigInt(bare);
    if (value === undefined) return { rule: 'reserved', range: 'unparseable address' };
    for (const carrier of [IPV4_MAPPED, NAT64]) {
      if (inRange(value, carrier, 128)) return classifyAddress(bigIntToIpv4(value & 0xffffffffn));
    }
    if (inRange(value, SIX_TO_FOUR, 128)) {
      const embedded = classifyAddress(bigIntToIpv4((value >> 80n) & 0xffffffffn));
      if (embedded) return embedded;
    }
    const hit = IPV6_RANGES.find((range) => inRange(value, range, 128));
    return hit && { rule: hit.rule, range: hit.cidr };
  }
  // Not an IP literal: nothing to judge here (names are judged after resolution).
  return undefined;
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** One `AOS_HTTP_ALLOW_HOSTS` entry: a host and a port, or a host alone (any port). */
export interface AllowListEntry {
  readonly host: string;
  readonly port: number | undefined;
}

/**
 * Parses `AOS_HTTP_ALLOW_HOSTS`: comma-separated `host:port`, `host` (any port), `[v6]:port` or
 * `[v6]`. Hosts are compared case-insensitively, without a trailing dot, as written in the URL
 * (an entry `127.0.0.1:8080` does not allow `localhost:8080`).
 *
 * @example
 * ```ts
 * parseAllowList('127.0.0.1:8080, intranet.local') // [{host:'127.0.0.1',port:8080},{host:'intranet.local',port:undefined}]
 * ```
 */
export function parseAllowList(raw: string | undefined): AllowListEntry[] {
  if (!raw) return [];
  const entries: AllowListEntry[] = [];
  for (const item of raw.split(',')) {
    const text = item.trim();
    if (text === '') continue;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
    let host: string;
    let port: string | undefined;
    if (bracketed) {
      host = bracketed[1] ?? '';
      port = bracketed[2];
    } else if ((text.match(/:/g) ?? []).length > 1) {
      host = text; // a bare IPv6 address: no port can be told apart
    } else {
      [host, port] = text.split(':') as [string, string | undefined];
    }
    const portNumber = port === undefined ? undefined : Number(port);
    if (
      host === '' ||
      (portNumber !== undefined && !(Number.isInteger(portNumber) && portNumber > 0 && portNumber < 65536))
    ) {
      throw new SkillError(
        'not_configured',
        `AOS_HTTP_ALLOW_HOSTS entry "${text}" is not host, host:port or [ipv6]:port`,
        {
          retryable: false,
          outcomeCode: 'NOT_CONFIGURED',
        },
      );
    }
    entries.push({ host: normalizeHost(host), port: portNumber });
  }
  return entries;
}

/** Lower-case, without IPv6 brackets or a trailing dot (`metadata.google.internal.` is the same host). */
export function normalizeHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
}

/** True when `host:port` is listed in `AOS_HTTP_ALLOW_HOSTS` (exactly, or the host with no port). */
export function isAllowListed(host: string, port: number, env: SkillEnv): boolean {
  const wanted = normalizeHost(host);
  return parseAllowList(env.AOS_HTTP_ALLOW_HOSTS).some(
    (entry) => entry.host === wanted && (entry.port === undefined || entry.port === port),
  );
}

/** The error every refusal uses: category `policy`, never retried, naming host, address and rule. */
export function policyDenied(host: string, port: number, detail: string): SkillError {
  const display = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new SkillError(
    'policy',
    `network policy refuses ${display}: ${detail}; list "${display}" in AOS_HTTP_ALLOW_HOSTS to allow it`,
    { retryable: false, outcomeCode: 'NETWORK_POLICY_DENIED' },
  );
}

function describeVerdict(address: string, verdict: AddressVerdict): string {
  return `${address} is a ${verdict.rule} address (${verdict.range})`;
}

/**
 * Checks what can be known about a host without resolving it: a refused IP literal or a
 * metadata host name. Returns true when the host is an IP literal (nothing left to resolve).
 */
export function checkLiteralHost(host: string, port: number): boolean {
  const bare = normalizeHost(host);
  if (BLOCKED_HOSTNAMES.includes(bare)) throw policyDenied(bare, port, `${bare} is a cloud-metadata host name`);
  if (isIP(bare.split('%')[0] ?? '') === 0) return false;
  const verdict = classifyAddress(bare);
  if (verdict) throw policyDenied(bare, port, describeVerdict(bare, verdict));
  return true;
}

/** The first resolved address the policy refuses, as an error, or undefined when all pass. */
function judgeResolved(host: string, port: number, addresses: readonly LookupAddress[]): SkillError | undefined {
  for (const { address } of addresses) {
    const verdict = classifyAddress(address);
    if (verdict) {
      return policyDenied(
        normalizeHost(host),
        port,
        `it resolves to ${address}, a ${verdict.rule} address (${verdict.range})`,
      );
    }
  }
  if (addresses.length === 0) return policyDenied(normalizeHost(host), port, 'it resolves to no address');
  return undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `net`/`http`/`https` that resolves the name and refuses the connection when any
 * address it resolves to is refused. The address checked is the address connected to, so a
 * name that resolves to a public address at plan time and to 127.0.0.1 now does not pass.
 */
export function createPolicyLookup(port: number) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const all: LookupAllOptions = { ...options, all: true };
    dnsLookup(hostname, all, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const denied = judgeResolved(hostname, port, addresses);
      if (denied) {
        // The SkillError travels through the socket's 'error' event to httpRequest unchanged.
        callback(denied, '', 0);
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
    });
  };
}

function resolveAll(host: string, timeoutMs: number): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(Object.assign(new Error(`resolving ${host} took over ${timeoutMs} ms`), { code: 'ETIMEOUT' })),
      timeoutMs,
    );
    dnsLookup(host, { all: true }, (error, addresses) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(addresses);
    });
  });
}

/**
 * Static check of an http(s) URL against the network policy, as the planner runs it for
 * http targets. Throws a `policy` SkillError naming the host and the rule; a URL that is not
 * http(s) is refused too. A name that does not resolve now passes (the connection-time
 * check in {@link httpRequest} still applies): plans can be made offline.
 *
 * @example
 * ```ts
 * await assertUrlAllowed('http://169.254.169.254/latest/meta-data', process.env) // throws: cloud-metadata
 * await assertUrlAllowed('http://127.0.0.1:8080/', { AOS_HTTP_ALLOW_HOSTS: '127.0.0.1:8080' }) // passes
 * ```
 */
export async function assertUrlAllowed(url: string, env: SkillEnv): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new SkillError('validation', `"${url.slice(0, 200)}" is not an absolute URL`, {
      retryable: false,
      outcomeCode: 'INVALID_URL',
      cause: error,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SkillError(
      'policy',
      `network policy refuses ${parsed.protocol}// URLs: only http and https are allowed`,
      {
        retryable: false,
        outcomeCode: 'NETWORK_POLICY_DENIED',
      },
    );
  }
  const port = effectivePort(parsed);
  if (isAllowListed(parsed.hostname, port, env)) return;
  if (checkLiteralHost(parsed.hostname, port)) return;
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(normalizeHost(parsed.hostname), 2000);
  } catch {
    return;
  }
  const denied = judgeResolved(parsed.hostname, port, addresses);
  if (denied) throw denied;
}

/**
 * Resolves a non-HTTP destination (the SMTP server) under the same policy and returns the
 * address to connect to: the host itself when allow-listed, else one checked IP address, so
 * the client cannot resolve the name a second time to something else.
 */
export async function resolveAllowedHost(host: string, port: number, env: SkillEnv): Promise<string> {
  if (isAllowListed(host, port, env)) return host;
  if (checkLiteralHost(host, port)) return normalizeHost(host);
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(normalizeHost(host), 10_000);
  } catch (error) {
    throw new SkillError('network', `cannot resolve ${host}: ${(error as Error).message}`, {
      retryable: true,
      outcomeCode: 'NETWORK_ERROR',
      cause: error,
    });
  }
  const denied = judgeResolved(host, port, addresses);
  if (denied) throw denied;
  return addresses[0]?.address ?? host;
}

/** The port a URL connects to (explicit, or 80/443 by scheme). */
export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
