import { readdirSync } from 'node:fs';
import { createAgent, createSkillRegistry } from '@aos/core/testing';
import { runGoal } from '@aos/core/runs';
import { generateSigningKey } from '@aos/proof';
import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import { AuditShape } from '../src/json-shapes';
import { cliOn, query } from './cli-harness';

function keyFilesIn(home: string): string[] {
  return readdirSync(home).filter((name) => name.includes('signing.key') || name.includes('verifier-keys'));
}

describeEachDriver('int-cli commands that do not seal', (t) => {
  // Sealed with a key that never touches AOS_HOME, so the home stays key-free.
  const elsewhere = generateSigningKey('elsewhere.example');

  it('never create or load a private key on a fresh AOS_HOME', async () => {
    await query(t, async (db) => {
      const agent = await createAgent(db, { name: 'read-only', tenantId: 'ro' });
      await runGoal(
        db,
        { tenantId: 'ro', agentId: agent.id, goal: 'echo sealed elsewhere' },
        { registry: createSkillRegistry(), env: {}, signingKey: elsewhere },
      );
    });
    const commands: [string[], number][] = [
      [['keys', 'show'], 3],
      [['keys', 'show', '--json'], 3],
      [['list-skills'], 0],
      [['quota', 'get', '--tenant-id', 'ro'], 0],
      [['quota', 'set', '--tenant-id', 'ro', '--daily-cents', '5000'], 0],
      [['migrate'], 0],
      [['demo', '--quick'], 0],
      // No queue on the embedded database (exit 2); nothing queued on the server.
      [['worker', '--once'], t.driver === 'embedded' ? 2 : 0],
      // The key set is empty, so the sealed run cannot verify: a finding, but still no key.
      [['audit'], 5],
      [['keys', '--help'], 0],
    ];
    for (const [args, code] of commands) {
      const result = await cliOn(t, args, { NO_COLOR: '1' });
      expect({ args, code: result.code }).toEqual({ args, code });
      expect({ args, keyFiles: keyFilesIn(t.home) }).toEqual({ args, keyFiles: [] });
    }
  });

  it('audit verifies against AOS_RETIRED_VERIFIER_KEYS with no private key anywhere', async () => {
    const result = await cliOn(t, ['audit', '--json'], { AOS_RETIRED_VERIFIER_KEYS: elsewhere.verifierKey });
    expect(result.code).toBe(0);
    const doc = AuditShape.parse(JSON.parse(result.stdout));
    expect(doc).toMatchObject({ checked: 1, verified: 1 });
    expect(doc.trusted_keys).toEqual([
      { verifier_key: elsewhere.verifierKey, source: 'env', status: 'retired', retired_at: null },
    ]);
    expect(keyFilesIn(t.home)).toEqual([]);
  });
});
