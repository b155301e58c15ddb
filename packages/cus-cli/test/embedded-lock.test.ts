import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@aos/testkit';
import { main } from '../src/main';
import { bufferIo, runCli } from './cli-harness';

describe('cus-cli while another holder has the embedded database', () => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.destroy();
    t = undefined;
  });

  it('says on stderr that it waits, and runs once the holder lets go', async () => {
    t = await createTestDatabase('embedded');
    await t.store();
    const holder = t;
    // The holder lets go as soon as the CLI says it is waiting.
    const io = bufferIo({ ...t.env, AOS_DB_LOCK_TIMEOUT_MS: '60000' });
    let released: Promise<void> | undefined;
    const stderr = io.stderr;
    const watched = {
      ...io,
      stderr: {
        write: (text: string) => {
          stderr.write(text);
          if (text.startsWith('Waiting for the embedded database')) released ??= holder.release();
        },
      },
    };
    const code = await main(['list-agents'], watched);
    await released;
    expect(code, io.err()).toBe(0);
    expect(io.err()).toMatch(
      /^Waiting for the embedded database: \S+ is held by process \d+ \(giving up after 60s; AOS_DB_LOCK_TIMEOUT_MS\)\.\.\.\n$/,
    );
    expect(io.out()).toBe('No agents.\n');
  });

  it('gives up after AOS_DB_LOCK_TIMEOUT_MS with a clear error and exit 1', async () => {
    t = await createTestDatabase('embedded');
    await t.store();
    const result = await runCli(['list-agents'], { ...t.env, AOS_DB_LOCK_TIMEOUT_MS: '300' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Waiting for the embedded database: /);
    expect(result.stderr).toMatch(
      /^error: the embedded database lock \S+ is held by process \d+; waited \d+s\. .*AOS_DB_LOCK_TIMEOUT_MS/m,
    );
  });
});
