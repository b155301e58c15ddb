import { createAgent } from '../agents/agent-service';
import { agentView } from '../aos/views';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeySummary } from '../tenants/api-key-store';
import { createTenant, listTenants, setTenantStatus, type Tenant } from '../tenants/tenant-store';
import type { OpsContext } from './ops-context';
import type { ApiKeyView, AosOps, TenantView } from './ops-types';

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

function tenantView(tenant: Tenant): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    status: tenant.status,
    created_at: tenant.created_at.toISOString(),
    updated_at: tenant.updated_at.toISOString(),
  };
}

function apiKeyView(key: ApiKeySummary): ApiKeyView {
  return {
    id: key.id,
    tenant_id: key.tenant_id,
    prefix: key.prefix,
    scopes: [...key.scopes],
    name: key.name,
    created_at: key.created_at.toISOString(),
    last_used_at: iso(key.last_used_at),
    revoked_at: iso(key.revoked_at),
  };
}

/** `tenants`: the tenants of a service deployment, created, listed, suspended and resumed. */
export function tenantOps(ctx: OpsContext): AosOps['tenants'] {
  return {
    create: async (input) => tenantView(await createTenant(await ctx.admin(), input)),
    list: async () => (await listTenants(await ctx.admin())).map(tenantView),
    suspend: async (tenantId) => tenantView(await setTenantStatus(await ctx.admin(), tenantId, 'suspended')),
    resume: async (tenantId) => tenantView(await setTenantStatus(await ctx.admin(), tenantId, 'active')),
  };
}

/** `apiKeys`: a tenant's API keys; the secret of a new key is returned once and never stored. */
export function apiKeyOps(ctx: OpsContext): AosOps['apiKeys'] {
  return {
    async create(input) {
      const { apiKey, key } = await createApiKey(await ctx.admin(), input);
      return { api_key: apiKeyView(apiKey), key };
    },
    list: async (query = {}) => (await listApiKeys(await ctx.admin(), query)).map(apiKeyView),
    revoke: async (keyId) => apiKeyView(await revokeApiKey(await ctx.admin(), keyId)),
  };
}

/** `agents`: shared agents, usable by every tenant, are created by operators only. */
export function agentOps(ctx: OpsContext): AosOps['agents'] {
  return {
    createShared: async (input) => agentView(await createAgent(await ctx.admin(), { ...input, tenantId: undefined })),
  };
}
