import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { BUILT, requireBuilt } from './cli-harness';

it('a reader that is gone before the output (| head, | true) ends the command quietly, not with an EPIPE crash', async () => {
  requireBuilt(BUILT.cusCli);
  const child = spawn(process.execPath, [BUILT.cusCli, 'list-skills', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Close our end of the pipe before the command has written anything, as `| true` does.
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
  expect(code).toBe(0);
});
