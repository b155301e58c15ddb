import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AuditShape,
  DemoShape,
  KeysRotateShape,
  KeysShowShape,
  ListSkillsShape,
  MigrateShape,
  QuotaShapeDoc,
  RecoverShape,
  WorkerShape,
} from '../src/json-shapes';
import { ErrorJsonSchema } from '@aos/proof/cli-kit/schemas';
import { cliOn, query } from './cli-harness';
import { createOpenTrace, createSealedRuns } from './run-setup';

// Every command, with the exit code and --json shape it must produce on the database below.
const commands = (driver: string): readonly [args: string[], shape: z.ZodType, code: number][] => [
  [['demo', '--quick'], DemoShape, 0],
  [['list-skills'], ListSkillsShape, 0],
  [['migrate'], MigrateShape, 0],
  [['keys', 'show'], KeysShowShape, 0],
  [['keys', 'generate'], ErrorJsonSchema, 2],
  [['keys', 'rotate'], KeysRotateShape, 0],
  [['quota', 'get', '--tenant-id', 'acme'], QuotaShapeDoc, 0],
  [['quota', 'set', '--tenant-id', 'acme', '--daily-cents', '2000'], QuotaShapeDoc, 0],
  [['quota', 'set', '--tenant-id', 'acme', '--daily-cents', '-1'], ErrorJsonSchema, 2],
  [['audit'], AuditShape, 0],
  [['recover', '--older-than', '0'], RecoverShape, 0],
  // The embedded database has no queue: the worker refuses (exit 2); on a server it executes what is queued.
  driver === 'embedded' ? [['worker', '--once'], ErrorJsonSchema, 2] : [['worker', '--once'], WorkerShape, 0],
  [['no-such-command'], ErrorJsonSchema, 2],
];

describeEachDriver('int-cli never creates a run', (t) => {
  // 26 invocations, each opening the store like a user would: give the embedded driver time.
  it(
    'no command inserts into runs, and each --json output is one document of its shape',
    { timeout: 240_000 },
    async () => {
      await createSealedRuns(t, 'acme', ['echo sealed before the commands']);
      // A run left `running` with its trace open by a crash, for recover to finish (recover
      // updates runs, never inserts); its last step is recent, so audit does not call it stale.
      const stale = await createOpenTrace(t, 'acme');
      await query(t, (db) =>
        db
          .updateTable('runs')
          .set({ status: 'running', started_at: new Date(Date.now() - 3_600_000) })
          .where('id', '=', stale)
          .execute(),
      );
      const runIds = () =>
        query(t, async (db) => (await db.selectFrom('runs').select('id').orderBy('id').execute()).map((r) => r.id));
      const before = await runIds();
      expect(before).toHaveLength(2);

      for (const [args, shape, code] of commands(t.driver)) {
        const json = await cliOn(t, [...args, '--json']);
        expect({ args, code: json.code }).toEqual({ args, code });
        shape.parse(JSON.parse(json.stdout));
        const human = await cliOn(t, args, { NO_COLOR: '1' });
        expect({ args, code: human.code }).toEqual({ args, code });
        expect(await runIds()).toEqual(before);
      }
      // recover finished the stale run; the worker had nothing due (it executes, never creates).
      const statuses = await query(t, (db) => db.selectFrom('runs').select('status').orderBy('status').execute());
      expect(statuses.map((s) => s.status)).toEqual(['failed', 'succeeded']);
    },
  );
});
