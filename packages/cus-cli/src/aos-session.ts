import { parseVerifierKey } from '@aos/proof';
import { CliError, EXIT_CODES, UsageError } from '@aos/proof/cli-kit';
import type { Aos, RemoteAos } from '@aos/core/client';
import { z } from 'zod';
import type { CommandContext } from './context';
import { databaseUrlOf } from '@aos/proof/cli-kit/schemas';
import { databaseUrlOption, parseOptions, tenantIdOption } from './options';
import { readProfile, selectedProfileName, type Profile } from './profiles';

const GlobalOptionsSchema = z.object({
  databaseUrl: databaseUrlOption,
  apiUrl: z.string().url('must be a URL, e.g. https://aos.example.com').optional(),
  profile: z.string().min(1).optional(),
});

/** Where this invocation's commands go: the local database, or an AOS server (docs/cus-cli.md, "Remote mode"). */
export type Face =
  | { readonly mode: 'local'; readonly databaseUrl: string | undefined }
  | {
      readonly mode: 'remote';
      readonly apiUrl: string;
      readonly apiKey: string | null;
      /** The profile's pinned keys plus AOS_TRUSTED_KEYS. */
      readonly trustedKeys: readonly string[];
      /** The profile in use, when its URL is the one talked to. */
      readonly profile: string | null;
    };

/** AOS_TRUSTED_KEYS: comma-separated verifier keys pinned for this invocation (each checked). */
export function envTrustedKeys(env: NodeJS.ProcessEnv): string[] {
  const keys = (env.AOS_TRUSTED_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const key of keys) {
    try {
      parseVerifierKey(key);
    } catch (error) {
      throw new CliError('INVALID_INPUT', `AOS_TRUSTED_KEYS: ${(error as Error).message}`, EXIT_CODES.usage);
    }
  }
  return keys;
}

/**
 * Chooses the face: remote when `--api-url`, AOS_API_URL or the selected profile names a server;
 * local otherwise. The key comes from AOS_API_KEY or the profile, never from a flag. A profile
 * applies only to its own server: with a URL given for another one, its key and pins are not used.
 */
export function resolveFace(context: CommandContext): Face & { readonly profileData: Profile | null } {
  const options = parseOptions(GlobalOptionsSchema, {
    databaseUrl: context.databaseUrl,
    apiUrl: context.apiUrl,
    profile: context.profile,
  });
  const env = context.io.env;
  const profileName = selectedProfileName(env, options.profile);
  const profile = profileName === null ? null : readProfile(env, profileName);
  const given = options.apiUrl ?? (env.AOS_API_URL ? env.AOS_API_URL : undefined);
  const apiUrl = given ?? profile?.api_url;
  if (apiUrl === undefined) {
    return { mode: 'local', databaseUrl: databaseUrlOf(options.databaseUrl, env), profileData: null };
  }
  if (options.databaseUrl !== undefined) {
    throw new UsageError(
      '--database-url: not with a remote API (AOS_API_URL, --api-url or a login profile): the server owns the database',
    );
  }
  const own = profile !== null && sameUrl(profile.api_url, apiUrl) ? profile : null;
  return {
    mode: 'remote',
    apiUrl,
    apiKey: env.AOS_API_KEY ? env.AOS_API_KEY : (own?.api_key ?? null),
    trustedKeys: [...new Set([...(own?.trusted_keys ?? []), ...envTrustedKeys(env)])],
    profile: own ? profileName : null,
    profileData: own,
  };
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** Connects to the remote face (the client entry only: no database code is loaded). */
export async function connectRemote(face: Extract<Face, { mode: 'remote' }>): Promise<RemoteAos> {
  if (face.apiKey === null) {
    throw new CliError(
      'UNAUTHENTICATED',
      `no API key for ${face.apiUrl}: set AOS_API_KEY, or run cus-cli login --api-url ${face.apiUrl}`,
      EXIT_CODES.notAuthorised,
    );
  }
  const { connectAos } = await import('@aos/core/client');
  return connectAos({ apiUrl: face.apiUrl, apiKey: face.apiKey, trustedKeys: face.trustedKeys });
}

/** What a command names its tenant with, and which command it is (for the local usage error). */
export interface TenantChoice {
  /** `--tenant-id`, when given. */
  readonly given: string | undefined;
  /** The command as typed after `cus-cli` (`get-run`, `secrets set`), for the error message. */
  readonly command: string;
}

/**
 * The tenant of a local command: `--tenant-id`, else AOS_TENANT_ID (held to the same rule), else
 * none. An explicit flag wins.
 */
function localTenant(context: CommandContext, tenant: TenantChoice | undefined): string | undefined {
  if (tenant === undefined || tenant.given !== undefined) return tenant?.given;
  const fromEnv = context.io.env.AOS_TENANT_ID;
  if (fromEnv === undefined || fromEnv === '') return undefined;
  const result = tenantIdOption.safeParse(fromEnv);
  if (!result.success) {
    throw new UsageError(`AOS_TENANT_ID: ${result.error.issues[0]?.message ?? 'invalid value'}`, {
      code: 'INVALID_INPUT',
    });
  }
  return result.data;
}

/**
 * Refuses, before anything is read or opened, a local command that scopes data without
 * `--tenant-id` or AOS_TENANT_ID (remotely the tenant is the API key's, so it may be omitted).
 */
export function checkTenantChoice(
  context: CommandContext,
  tenant: TenantChoice | undefined,
  face = resolveFace(context),
): void {
  if (face.mode === 'local' && tenant && localTenant(context, tenant) === undefined) {
    throw new UsageError(`Missing required argument: tenant-id (see cus-cli ${tenant.command} --help)`);
  }
}

/**
 * Opens AOS for one command, local or remote, and always closes it (locally this releases the
 * embedded directory's lock, which another process may be waiting for: said on stderr). With
 * `tenant`, `use` gets the tenant the command acts for: locally `--tenant-id`, required (the same
 * usage error as before, checked before the database is opened); remotely the API key's tenant,
 * which `--tenant-id` must equal (else INVALID_INPUT, exit 2, and nothing is sent but whoami).
 */
export async function withAos<T>(
  context: CommandContext,
  use: (aos: Aos, tenantId: string) => Promise<T>,
  tenant?: TenantChoice,
): Promise<T> {
  const face = resolveFace(context);
  if (face.mode === 'remote') {
    const aos = await connectRemote(face);
    try {
      let tenantId = '';
      if (tenant) {
        const { tenant_id: own } = await aos.whoami();
        if (tenant.given !== undefined && tenant.given !== own) {
          throw new CliError(
            'INVALID_INPUT',
            `--tenant-id: ${tenant.given} is not the tenant of this API key (${own}); in remote mode the tenant is the key's (omit --tenant-id)`,
            EXIT_CODES.usage,
          );
        }
        tenantId = own;
      }
      return await use(aos, tenantId);
    } finally {
      await aos.close();
    }
  }
  checkTenantChoice(context, tenant, face);
  const { databaseCreateMessage, lockWaitMessage, withAos: withLocalAos } = await import('@aos/core');
  const onLockWait = (wait: Parameters<typeof lockWaitMessage>[0]): void => {
    if (!context.quiet) context.io.stderr.write(lockWaitMessage(wait));
  };
  const tenantId = localTenant(context, tenant) ?? '';
  // Also under --json (stderr is not the JSON document): the first command is seconds of initdb.
  const onDatabaseCreate = (created: Parameters<typeof databaseCreateMessage>[0]): void => {
    if (!context.quiet) context.io.stderr.write(databaseCreateMessage(created));
  };
  return withLocalAos({ env: context.io.env, databaseUrl: face.databaseUrl, onLockWait, onDatabaseCreate }, (aos) =>
    use(aos, tenantId),
  );
}
