import type { SigningKey } from '@aos/proof';
import type { Kysely } from 'kysely';
import type { AosConfig } from '../aos/aos-config';
import { openDatabase, resolveStoreTarget, type AosDatabase } from '../db/database';
import type { Database } from '../db/schema';
import { AosError } from '../errors';
import { deploymentSigner } from '../keys/deployment-signer';
import { createSkillRegistry, type SkillRegistry } from '../skills/skill-registry';
import type { OpenOpsOptions, StoreInfo } from './ops-types';

/**
 * What the use-case groups share: the store, opened on first use; the skill registry, built on
 * first use; the signing key, loaded on first use by the groups that seal. Internal to the facade.
 */
export interface OpsContext {
  readonly env: NodeJS.ProcessEnv;
  readonly store: StoreInfo;
  /** The Postgres server's URL (with its password), for graphile-worker's own connections; null when embedded. */
  readonly databaseUrl: string | null;
  /** The login's own handle: migrations, roles, tenants, API keys, shared agents. */
  admin(): Promise<Kysely<Database>>;
  /** The whole store (every handle), for what works across tenants and as each: the worker. */
  database(): Promise<AosDatabase>;
  /** `aos_audit`: reads across tenants (audit, recovery and due-run scans), writes nothing. */
  audit(): Promise<Kysely<Database>>;
  /** `aos_app` for one tenant: whatever an operator does to one tenant's rows. */
  forTenant(tenantId: string): Promise<Kysely<Database>>;
  registry(): SkillRegistry;
  signer(): Promise<SigningKey>;
  close(): Promise<void>;
}

/** Resolves where the store is and defers everything else to first use; a closed context refuses to be used. */
export function createOpsContext(config: AosConfig, options: OpenOpsOptions): OpsContext {
  const env = config.env;
  const target = resolveStoreTarget({ env, url: config.databaseUrl });
  let opening: Promise<AosDatabase> | undefined;
  let registry: SkillRegistry | undefined;
  const loadSigner = deploymentSigner(env);
  let closed = false;
  const refuseClosed = (): void => {
    if (closed) throw new AosError('INTERNAL', 'this AosOps is closed; open another one');
  };
  const open = (): Promise<AosDatabase> => {
    refuseClosed();
    // A failed open is not remembered: the next call tries again.
    opening ??= openDatabase({
      env,
      url: config.databaseUrl,
      onLockWait: config.onLockWait,
      onDatabaseCreate: config.onDatabaseCreate,
      migrate: options.migrate,
    }).catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  return {
    env,
    store: Object.freeze({ driver: target.driver, location: target.location }),
    databaseUrl: target.driver === 'server' ? target.url : null,
    admin: async () => (await open()).admin,
    database: open,
    audit: async () => (await open()).audit,
    forTenant: async (tenantId) => (await open()).forTenant(tenantId),
    registry: () => {
      refuseClosed();
      registry ??= createSkillRegistry();
      return registry;
    },
    signer: async () => {
      refuseClosed();
      return loadSigner();
    },
    close: async () => {
      closed = true;
      const store = opening;
      opening = undefined;
      if (store === undefined) return;
      // A store that failed to open has nothing to close.
      const open = await store.catch(() => undefined);
      await open?.close();
    },
  };
}
