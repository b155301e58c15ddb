import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { API_KEY_SCOPES, tenantIdSchema, withOps } from '@aos/core/ops';
import { z } from 'zod';
import { parseFlags, type GlobalOptions } from '../flags';
import type { ApiKeyCreatedJson, ApiKeyDocJson, ApiKeysDocJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { renderApiKeyCreated, renderApiKeyRevoked, renderApiKeys, writeDocument } from '../render';

const CreateFlags = z.object({
  tenantId: tenantIdSchema,
  scope: z.array(z.enum(API_KEY_SCOPES, { error: `must be one of ${API_KEY_SCOPES.join(', ')}` })).optional(),
  name: z.string().optional(),
});
const ListFlags = z.object({ tenantId: tenantIdSchema.optional() });
const RevokeFlags = z.object({ key_id: z.string({ error: 'name the key id (see int-cli api-keys list)' }) });

/**
 * `int-cli api-keys create --tenant-id T [--scope s]…`: prints the key once (with `--json`, the
 * document's `key` field); only its SHA-256 is stored. Every scope unless `--scope` narrows it.
 */
export async function runApiKeysCreate(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(CreateFlags, args);
  const document: ApiKeyCreatedJson = await withOps(opsConfig(g, io), (ops) =>
    ops.apiKeys.create({ tenantId: flags.tenantId, scopes: flags.scope, name: flags.name }),
  );
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderApiKeyCreated(document));
  return 0;
}

/** `int-cli api-keys list [--tenant-id T]`: prefixes and dates, never a secret. */
export async function runApiKeysList(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(ListFlags, args);
  const document: ApiKeysDocJson = { api_keys: await withOps(opsConfig(g, io), (ops) => ops.apiKeys.list(flags)) };
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderApiKeys(document));
  return 0;
}

/** `int-cli api-keys revoke <key id>`: for good; exit 3 for an unknown id. */
export async function runApiKeysRevoke(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(RevokeFlags, args);
  const document: ApiKeyDocJson = {
    api_key: await withOps(opsConfig(g, io), (ops) => ops.apiKeys.revoke(flags.key_id)),
  };
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderApiKeyRevoked(document));
  return 0;
}
