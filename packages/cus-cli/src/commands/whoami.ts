import { resolveAosHome } from '@aos/proof/node';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { connectRemote, resolveFace } from '../aos-session';
import { emitJson } from '../render';
import { WhoAmIJsonSchema, type WhoAmIJson } from '../json-shapes';

/** A database URL without its password, for display. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * `whoami`: remotely the tenant, key prefix and scopes of the API key (asked of the server) and
 * the API URL; locally that it is local mode, with AOS_HOME and the database (nothing is opened).
 */
export async function execute(_args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const face = resolveFace(context);
  let document: WhoAmIJson;
  if (face.mode === 'remote') {
    const aos = await connectRemote(face);
    try {
      const me = await aos.whoami();
      document = {
        mode: 'remote',
        api_url: face.apiUrl,
        profile: face.profile,
        tenant_id: me.tenant_id,
        key_id: me.key_id,
        key_prefix: me.prefix,
        scopes: me.scopes,
        aos_home: null,
        database: null,
      };
    } finally {
      await aos.close();
    }
  } else {
    const url = face.databaseUrl ?? (context.io.env.DATABASE_URL || undefined);
    const home = resolveAosHome(context.io.env);
    document = {
      mode: 'local',
      api_url: null,
      profile: null,
      tenant_id: null,
      key_id: null,
      key_prefix: null,
      scopes: null,
      aos_home: home,
      database: url === undefined ? `embedded (under ${home})` : redactUrl(url),
    };
  }
  if (context.json) {
    emitJson(context, WhoAmIJsonSchema, document);
    return EXIT_CODES.ok;
  }
  const line = (text: string): void => void context.io.stdout.write(`${text}\n`);
  if (document.mode === 'remote') {
    line('Mode: remote');
    line(`API URL: ${document.api_url}`);
    line(`Tenant: ${document.tenant_id}`);
    line(`Key prefix: ${document.key_prefix}`);
    line(`Scopes: ${(document.scopes ?? []).join(', ') || 'none'}`);
    line(`Profile: ${document.profile ?? 'none (AOS_API_URL / AOS_API_KEY)'}`);
  } else {
    line('Mode: local (no AOS_API_URL): you are operator and customer at once');
    line(`AOS_HOME: ${document.aos_home}`);
    line(`Database: ${document.database}`);
  }
  return EXIT_CODES.ok;
}
