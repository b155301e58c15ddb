import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HelpJsonSchema } from '../src/cli-kit/json-envelopes';
import { main } from '../src/cli/main';
import { generateSigningKey } from '../src/index';
import { captureIo } from './cli-io-capture';

const KEY = generateSigningKey('aos.test').verifierKey;

describe('aos-proof messages', () => {
  it('--help --json prints the help as one JSON document, as cus-cli and int-cli do', async () => {
    const io = captureIo();
    expect(await main(['--help', '--json'], io)).toBe(0);
    expect(HelpJsonSchema.parse(JSON.parse(io.out())).help).toContain('aos-proof verify');
  });

  it('a schema-invalid bundle is bad input: exit 2, as the help says, with error: before the message', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aos-proof-msg-')), 'bundle.json');
    writeFileSync(file, JSON.stringify({ format: 'aos.proof-bundle.v2' }));
    const io = captureIo();
    const code = await main(['verify', file, '--key', KEY], io);
    expect(io.err()).toMatch(/^error: bundle: /);
    expect(code).toBe(2);
    const help = captureIo();
    await main(['--help'], help);
    expect(help.out()).toMatch(/2 usage error or bad input \([^)]*not a proof bundle/);
  });

  it('witness cosign --time 0x10 is refused in words, not as NaN', async () => {
    const io = captureIo();
    expect(await main(['witness', 'cosign', '-', '--key-file', 'k', '--time', '0x10'], io)).toBe(2);
    expect(io.err()).toBe('error: --time: must be a whole number from 0 to 9007199254740991\n');
  });
});
