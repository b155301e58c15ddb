import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, TenantStatus, TenantsTable } from '../db/schema';
import { AosError } from '../errors';
import { labelSchema, parseInput, tenantIdSchema } from '../validation';

/** A tenant row. */
export type Tenant = Selectable<TenantsTable>;

const UNIQUE_VIOLATION = '23505';

const CreateTenantInputSchema = z.strictObject({
  tenantId: tenantIdSchema,
  name: labelSchema(200).optional(),
});

/**
 * Creates a tenant of a service deployment (`int-cli tenants create`). The name defaults to the
 * id. An existing id is TENANT_EXISTS: a tenant is never silently reused.
 *
 * @example
 * ```ts
 * const tenant = await createTenant(db, { tenantId: 'acme', name: 'Acme Corp' })
 * ```
 */
export async function createTenant(
  db: Kysely<Database>,
  input: { readonly tenantId: string; readonly name?: string | undefined },
): Promise<Tenant> {
  const { tenantId, name } = parseInput(CreateTenantInputSchema, input, 'tenant');
  try {
    return await db
      .insertInto('tenants')
      .values({ id: tenantId, name: name ?? tenantId })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      throw new AosError('TENANT_EXISTS', `tenant ${tenantId} already exists`, { cause: error });
    }
    throw error;
  }
}

/** Every tenant, oldest first. */
export function listTenants(db: Kysely<Database>): Promise<Tenant[]> {
  return db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id').execute();
}

/** One tenant; TENANT_NOT_FOUND when there is none of that id. */
export async function getTenant(db: Kysely<Database>, tenantId: string): Promise<Tenant> {
  const id = parseInput(tenantIdSchema, tenantId, 'tenant_id');
  const tenant = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
  if (!tenant) throw new AosError('TENANT_NOT_FOUND', `no tenant ${id}; create it with int-cli tenants create`);
  return tenant;
}

/**
 * Suspends or resumes a tenant. A suspended tenant's keys are refused (FORBIDDEN) until it is
 * resumed; its data stays as it is.
 */
export async function setTenantStatus(db: Kysely<Database>, tenantId: string, status: TenantStatus): Promise<Tenant> {
  const id = parseInput(tenantIdSchema, tenantId, 'tenant_id');
  const tenant = await db
    .updateTable('tenants')
    .set({ status, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  if (!tenant) throw new AosError('TENANT_NOT_FOUND', `no tenant ${id}; create it with int-cli tenants create`);
  return tenant;
}
