import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSigningKey, generateSigningKey, parseVerifierKey } from '@aos/proof';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorShape, KeysGenerateShape, KeysShowShape } from '../src/json-shapes';
import { runCli } from './cli-harness';

describe('int-cli keys', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'int-cli-keys-'));
    env = { AOS_HOME: home, NO_COLOR: '1' };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('show says there is no key yet (exit 3) and creates none', async () => {
    const result = await runCli(['keys', 'show'], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no signing key yet: .*signing\.key does not exist/);
    expect(readdirSync(home)).toEqual([]);
  });

  it('generate creates a 0600 key file whose verifier key show prints in parseable C2SP form', async () => {
    const generated = await runCli(['keys', 'generate', '--name', 'ops.example.com', '--json'], env);
    expect(generated.code).toBe(0);
    const doc = KeysGenerateShape.parse(JSON.parse(generated.stdout));
    expect(doc.replaced).toBeNull();
    expect(statSync(join(home, 'signing.key')).mode & 0o777).toBe(0o600);

    const shown = await runCli(['keys', 'show'], env);
    expect(shown.code).toBe(0);
    const line = /^verifier_key: (.+)$/m.exec(shown.stdout)?.[1] ?? '';
    const key = parseVerifierKey(line);
    expect(key.name).toBe('ops.example.com');
    expect(line).toBe(doc.key.verifier_key);
    expect(shown.stdout).toContain(`source: file ${join(home, 'signing.key')}`);
  });

  it('generate refuses to overwrite an existing key file (exit 2, file unchanged) and says how', async () => {
    await runCli(['keys', 'generate'], env);
    const before = readFileSync(join(home, 'signing.key'), 'utf8');
    const refused = await runCli(['keys', 'generate'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists .*nothing written\. Rerun with --force/);
    expect(readFileSync(join(home, 'signing.key'), 'utf8')).toBe(before);
    const json = await runCli(['keys', 'generate', '--json'], env);
    expect(json.code).toBe(2);
    expect(ErrorShape.parse(JSON.parse(json.stdout)).error.code).toBe('KEY_EXISTS');
    expect(readdirSync(home).sort()).toEqual(['signing.key']);
  });

  it('generate --force keeps a backup and warns with the old verifier key', async () => {
    const first = KeysGenerateShape.parse(
      JSON.parse((await runCli(['keys', 'generate', '--name', 'old.example', '--json'], env)).stdout),
    );
    const oldText = readFileSync(join(home, 'signing.key'), 'utf8');
    const forced = await runCli(['keys', 'generate', '--force'], env);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain(
      `warning: checkpoints signed before now verify only with the old verifier key ${first.key.verifier_key}`,
    );
    const backups = readdirSync(home).filter((n) => n.startsWith('signing.key.bak-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(home, backups[0]!), 'utf8')).toBe(oldText);
    const shown = KeysShowShape.parse(JSON.parse((await runCli(['keys', 'show', '--json'], env)).stdout));
    expect(shown.key.verifier_key).not.toBe(first.key.verifier_key);
    // The name carries over: checkpoints keep the same origin.
    expect(shown.key.name).toBe('old.example');
  });

  it('show reports AOS_SIGNING_KEY as the source when it is set', async () => {
    const key = generateSigningKey('env.example');
    const result = await runCli(['keys', 'show', '--json'], { ...env, AOS_SIGNING_KEY: encodeSigningKey(key) });
    expect(result.code).toBe(0);
    expect(KeysShowShape.parse(JSON.parse(result.stdout)).key).toMatchObject({
      source: 'env',
      path: null,
      verifier_key: key.verifierKey,
    });
  });

  it('generate refuses an invalid key name with exit 2', async () => {
    const result = await runCli(['keys', 'generate', '--name', 'two words'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--name: must be non-empty, without spaces/);
    expect(readdirSync(home)).toEqual([]);
  });

  it('a malformed key file is reported, not replaced', async () => {
    writeFileSync(join(home, 'signing.key'), 'not a key\n', { mode: 0o600 });
    const result = await runCli(['keys', 'show'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/signing key file .*signing\.key: signing key must start with "PRIVATE\+KEY\+"/);
  });
});
