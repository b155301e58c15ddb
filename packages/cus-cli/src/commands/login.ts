import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { z } from 'zod';
import { CliError, EXIT_CODES, UsageError, type CliIo, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions } from '../options';
import { activateProfile, DEFAULT_PROFILE, readProfile, selectedProfileName, writeProfile } from '../profiles';
import { readSecretValue } from '../read-secret-value';
import { emitJson } from '../render';
import { LoginJsonSchema, type LoginJson } from '../json-shapes';

/** Options of `cus-cli login`. */
export const LoginOptionsSchema = z.object({
  apiUrl: z.string().url('must be a URL, e.g. https://aos.example.com'),
  profile: z.string().min(1).optional(),
  yes: z.boolean().default(false),
});

/** What `login` shows of a verifier key besides the key itself: SHA-256 of its text, base64. */
export function keyFingerprint(verifierKey: string): string {
  return `SHA256:${createHash('sha256').update(verifierKey, 'utf8').digest('base64').replace(/=+$/, '')}`;
}

const isTerminal = (io: CliIo): boolean => (io.stdin as { isTTY?: boolean } | undefined)?.isTTY === true;

async function confirm(io: CliIo, question: string): Promise<boolean> {
  const stdin = io.stdin;
  if (stdin === undefined) return false;
  const rl = createInterface({ input: stdin, output: io.stderr as NodeJS.WritableStream, terminal: true });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * `login --api-url U`: reads the API key (stdin or a hidden prompt), checks it (`/v1/whoami`),
 * fetches the server's verifier key set (`/v1/keys`), shows the current key and its fingerprint,
 * and on confirmation (a prompt, or `--yes`) writes the profile — URL, key, the pinned key — and
 * makes it the active one. Nothing is written when the key is refused or the pin declined.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(LoginOptionsSchema, args);
  const { io } = context;
  const name = selectedProfileName(io.env, options.profile) ?? DEFAULT_PROFILE;
  const interactive = isTerminal(io);
  if (!options.yes && !interactive) {
    throw new UsageError(
      'login: stdin is not a terminal, so the verifier key cannot be confirmed: check it and pass --yes',
    );
  }
  const apiKey = await readSecretValue(io, 'API key', {
    prompt: `API key for ${options.apiUrl} (input is not shown): `,
    pipeHint: `printf %s "$AOS_API_KEY" | cus-cli login --api-url ${options.apiUrl} --yes`,
  });
  const { connectAos, fetchPublishedKeys } = await import('@aos/core/client');
  const aos = connectAos({ apiUrl: options.apiUrl, apiKey, trustedKeys: [] });
  const me = await aos.whoami().finally(() => aos.close());
  const published = await fetchPublishedKeys({ apiUrl: options.apiUrl });
  if (published.current === null) {
    throw new CliError(
      'KEY_NOT_FOUND',
      `${options.apiUrl} publishes no current verifier key (GET /v1/keys)`,
      EXIT_CODES.notFound,
    );
  }
  const verifierKey = published.current;
  const fingerprint = keyFingerprint(verifierKey);
  io.stderr.write(
    `Logged in to ${options.apiUrl} as tenant ${me.tenant_id} (key ${me.prefix}, scopes ${me.scopes.join(', ') || 'none'}).\n`,
  );
  io.stderr.write(`The server's current verifier key:\n  ${verifierKey}\n  fingerprint ${fingerprint}\n`);
  io.stderr.write('Compare it with the one your operator gave you: proofs are verified against the keys you pin.\n');
  if (!options.yes && !(await confirm(io, 'Pin this key? [y/N] '))) {
    throw new CliError('LOGIN_DECLINED', 'login: the verifier key was not pinned; nothing was saved', EXIT_CODES.usage);
  }
  const previous = readProfile(io.env, name);
  const kept =
    previous !== null && previous.api_url.replace(/\/+$/, '') === options.apiUrl.replace(/\/+$/, '')
      ? previous.trusted_keys
      : [];
  const path = writeProfile(io.env, name, {
    api_url: options.apiUrl,
    api_key: apiKey,
    trusted_keys: [...new Set([...kept, verifierKey])],
  });
  activateProfile(io.env, name);
  const document: LoginJson = {
    profile: name,
    path,
    api_url: options.apiUrl,
    tenant_id: me.tenant_id,
    key_prefix: me.prefix,
    scopes: me.scopes,
    verifier_key: verifierKey,
    fingerprint,
  };
  if (context.json) emitJson(context, LoginJsonSchema, document);
  else {
    io.stdout.write(`Pinned verifier key: ${verifierKey}\n`);
    io.stdout.write(`Profile: ${name} (${path}), now active\n`);
  }
  return EXIT_CODES.ok;
}
