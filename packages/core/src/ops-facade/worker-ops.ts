import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema';
import { AosError } from '../errors';
import { loadVerifierKeySet } from '../keys/verifier-key-set';
import { startRunWorker } from '../queue/run-worker';
import { drainTenantLog } from '../tenant-log/log-sequencer';
import { parseWitnessTargets, startLogSequencer, type LogSequencer } from '../tenant-log/log-service';
import { parseInput } from '../validation';
import type { OpsContext } from './ops-context';
import type { AosOps } from './ops-types';

const WorkerRunSchema = z.object({
  concurrency: z.number().int().min(1).max(256),
  once: z.boolean().optional(),
});

/**
 * `worker`: a graphile-worker runner executing the runs the service queued (SPEC §14), with
 * this process's tenant-log sequencer (active, or standby behind the deployment's active one)
 * from its first seal on.
 * It executes runs; it never creates one. The signing key is loaded when the first job runs.
 */
export function workerOps(ctx: OpsContext): AosOps['worker'] {
  return {
    async run(options) {
      const { concurrency, once } = parseInput(
        WorkerRunSchema,
        { concurrency: options.concurrency, once: options.once },
        'worker',
      );
      if (ctx.databaseUrl === null) {
        throw new AosError(
          'CONFIG_INVALID',
          'workers execute the runs of a Postgres server (set DATABASE_URL); the embedded database executes runs inline',
        );
      }
      const store = await ctx.database();
      const log = options.onLog ?? (() => undefined);
      const trustedKeys = async () => (await loadVerifierKeySet(ctx.env)).keys;
      // The sequencer starts with this process's first seal, so a worker that has sealed
      // nothing signs nothing (and creates no key). A once-pass sequences its seals inline.
      let sequencer: LogSequencer | undefined;
      const afterSeal = once
        ? async (db: Kysely<Database>, tenantId: string) =>
            drainTenantLog(db, tenantId, { signingKey: await ctx.signer(), trustedKeys: await trustedKeys() })
        : () => {
            sequencer ??= startLogSequencer({
              store,
              signer: () => ctx.signer(),
              trustedKeys,
              witnesses: parseWitnessTargets(ctx.env.AOS_WITNESSES),
              onError: (message) => log(`tenant log: ${message} (retrying)`),
            });
            sequencer.poke();
            return Promise.resolve();
          };
      try {
        const worker = await startRunWorker(
          {
            store,
            registry: ctx.registry(),
            env: ctx.env,
            signer: () => ctx.signer(),
            afterSeal,
            onAttempt: options.onAttempt,
            onRecovery: options.onRecovery,
          },
          {
            connectionString: ctx.databaseUrl,
            concurrency,
            once,
            log: (level, message) => log(`queue ${level}: ${message}`),
          },
        );
        options.onStarted?.();
        if (!once) {
          const signal = options.signal;
          if (signal && !signal.aborted) {
            await Promise.race([
              new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
              worker.done,
            ]);
          }
          await worker.stop();
          await worker.done;
        }
      } finally {
        await sequencer?.stop();
      }
    },
  };
}
