import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { spawnNode } from '@aos/testkit';
import { BUILT, requireBuilt } from './cli-harness';

const QUICKSTART = fileURLToPath(new URL('../../../tools/quickstart.mjs', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'cus-cli-quickstart-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it("the README's quickstart runs end to end on a fresh embedded database and ends VERIFIED", async () => {
  requireBuilt(BUILT.cusCli);
  const child = spawnNode([QUICKSTART], {
    env: { AOS_HOME: home, DATABASE_URL: '', XDG_CONFIG_HOME: join(home, 'config') },
  });
  const { code } = await child.exited;
  expect(code, child.stdout() + child.stderr()).toBe(0);
  const out = child.stdout();
  expect(out).toMatch(
    /^\$ node packages\/cus-cli\/dist\/bin\.js create-agent --name quickstart --tenant-id a1b2c3d4-e5f6-7890-abcd-ef1234567890/m,
  );
  expect(out).toMatch(
    /^\$ node packages\/cus-cli\/dist\/bin\.js run --agent-id [0-9a-f-]{36} --goal 'Run proof v3 validation run' .*--origin-system-id run-proof-v3 --verbose$/m,
  );
  expect(out).toMatch(/^Status: succeeded$/m);
  expect(out).toMatch(/^\$ node packages\/cus-cli\/dist\/bin\.js proof [0-9a-f-]{36} --tenant-id /m);
  expect(out).toMatch(/^verification_status: VERIFIED$/m);
  expect(child.stderr()).toMatch(/^Creating run for agent /m);

  // The closing hint's two commands run as printed from the repository's root.
  const hint = out.slice(out.indexOf('Export it and check it offline'));
  const commands = hint
    .split('\n')
    .filter((l) => l.startsWith('  node '))
    .map((l) => l.trim());
  expect(commands).toHaveLength(2);
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const exportDir = mkdtempSync(join(home, 'export-'));
  for (const command of commands) {
    const shell = spawnSync('bash', ['-c', command.replace('run.proof.json', join(exportDir, 'run.proof.json'))], {
      cwd: root,
      env: { ...process.env, AOS_HOME: home, DATABASE_URL: '', XDG_CONFIG_HOME: join(home, 'config'), NO_COLOR: '1' },
      encoding: 'utf8',
    });
    expect(shell.status, `${command}\n${shell.stdout}${shell.stderr}`).toBe(0);
  }
});
