import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { tenantIdSchema, withOps } from '@aos/core/ops';
import { z } from 'zod';
import { parseFlags, type GlobalOptions } from '../flags';
import type { TenantDocJson, TenantsDocJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { renderTenant, renderTenants, writeDocument } from '../render';

const CreateFlags = z.object({ tenantId: tenantIdSchema, name: z.string().optional() });
const TenantFlags = z.object({ tenantId: tenantIdSchema });

function emit(io: CliIo, g: GlobalOptions, document: TenantDocJson, verb: string): ExitCode {
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderTenant(verb, document));
  return 0;
}

/** `int-cli tenants create --tenant-id T [--name N]`: exit 2 (TENANT_EXISTS) when the id is taken. */
export async function runTenantsCreate(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(CreateFlags, args);
  const tenant = await withOps(opsConfig(g, io), (ops) => ops.tenants.create(flags));
  return emit(io, g, { tenant }, 'Created');
}

/** `int-cli tenants list`. */
export async function runTenantsList(_args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const document: TenantsDocJson = { tenants: await withOps(opsConfig(g, io), (ops) => ops.tenants.list()) };
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderTenants(document));
  return 0;
}

/** `int-cli tenants suspend --tenant-id T`: its keys are refused (403) until it is resumed. */
export async function runTenantsSuspend(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const { tenantId } = parseFlags(TenantFlags, args);
  const tenant = await withOps(opsConfig(g, io), (ops) => ops.tenants.suspend(tenantId));
  return emit(io, g, { tenant }, 'Suspended');
}

/** `int-cli tenants resume --tenant-id T`. */
export async function runTenantsResume(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const { tenantId } = parseFlags(TenantFlags, args);
  const tenant = await withOps(opsConfig(g, io), (ops) => ops.tenants.resume(tenantId));
  return emit(io, g, { tenant }, 'Resumed');
}
