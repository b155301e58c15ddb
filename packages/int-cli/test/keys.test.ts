import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSigningKey, generateSigningKey, parseSigningKey, parseVerifierKey } from '@aos/proof';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeysGenerateShape, KeysRotateShape, KeysShowShape } from '../src/json-shapes';
import { ErrorJsonSchema } from '@aos/proof/cli-kit/schemas';
import { runCli } from './cli-harness';

describe('int-cli keys', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'int-cli-keys-'));
    env = { AOS_HOME: home, NO_COLOR: '1' };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const show = async (extra: NodeJS.ProcessEnv = {}) => {
    const result = await runCli(['keys', 'show', '--json'], { ...env, ...extra });
    expect(result.code).toBe(0);
    return KeysShowShape.parse(JSON.parse(result.stdout));
  };

  it('show says there is no key yet (exit 3) and creates none', async () => {
    const result = await runCli(['keys', 'show'], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no signing key yet: .*signing\.key does not exist/);
    const json = await runCli(['keys', 'show', '--json'], env);
    expect(json.code).toBe(3);
    expect(ErrorJsonSchema.parse(JSON.parse(json.stdout)).error.code).toBe('KEY_NOT_FOUND');
    expect(readdirSync(home)).toEqual([]);
  });

  it('generate creates a 0600 key file and records it; show prints it from the key set in parseable C2SP form', async () => {
    const generated = await runCli(['keys', 'generate', '--name', 'ops.example.com', '--json'], env);
    expect(generated.code).toBe(0);
    const doc = KeysGenerateShape.parse(JSON.parse(generated.stdout));
    expect(statSync(join(home, 'signing.key')).mode & 0o777).toBe(0o600);
    expect(doc.key_set.keys).toEqual([
      expect.objectContaining({ status: 'current', verifier_key: doc.key.verifier_key }),
    ]);

    const shown = await runCli(['keys', 'show'], env);
    expect(shown.code).toBe(0);
    const line = /^verifier_key: (.+)$/m.exec(shown.stdout)?.[1] ?? '';
    const key = parseVerifierKey(line);
    expect(key.name).toBe('ops.example.com');
    expect(line).toBe(doc.key.verifier_key);
    expect(shown.stdout).toContain(`source: file ${join(home, 'signing.key')}`);
    expect(shown.stdout).toContain(`key_set: ${join(home, 'verifier-keys.json')}`);
  });

  it('generate refuses to overwrite an existing key file (exit 2, files unchanged) and points at keys rotate', async () => {
    await runCli(['keys', 'generate'], env);
    const before = readFileSync(join(home, 'signing.key'), 'utf8');
    const set = readFileSync(join(home, 'verifier-keys.json'), 'utf8');
    const refused = await runCli(['keys', 'generate'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists; nothing written\. int-cli keys rotate replaces it/);
    expect(readFileSync(join(home, 'signing.key'), 'utf8')).toBe(before);
    const json = await runCli(['keys', 'generate', '--json'], env);
    expect(json.code).toBe(2);
    expect(ErrorJsonSchema.parse(JSON.parse(json.stdout)).error.code).toBe('KEY_EXISTS');
    expect(readFileSync(join(home, 'verifier-keys.json'), 'utf8')).toBe(set);
    expect(readdirSync(home).sort()).toEqual(['signing.key', 'verifier-keys.json']);
  });

  it('rotate replaces the key under the same origin, retires the old verifier key with its date and keeps it', async () => {
    const first = KeysGenerateShape.parse(
      JSON.parse((await runCli(['keys', 'generate', '--name', 'old.example', '--json'], env)).stdout),
    );
    const oldText = readFileSync(join(home, 'signing.key'), 'utf8');
    const before = Date.now();
    const rotated = await runCli(['keys', 'rotate', '--json'], env);
    expect(rotated.code).toBe(0);
    const doc = KeysRotateShape.parse(JSON.parse(rotated.stdout));
    expect(doc.key.name).toBe('old.example');
    expect(doc.key.verifier_key).not.toBe(first.key.verifier_key);
    expect(doc.retired.verifier_key).toBe(first.key.verifier_key);
    expect(Date.parse(doc.retired.retired_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(readFileSync(doc.retired.backup_path, 'utf8')).toBe(oldText);
    expect(parseSigningKey(readFileSync(join(home, 'signing.key'), 'utf8')).verifierKey).toBe(doc.key.verifier_key);

    const shown = await show();
    expect(shown.key.verifier_key).toBe(doc.key.verifier_key);
    expect(shown.key_set.keys.map((k) => [k.status, k.verifier_key, k.retired_at])).toEqual([
      ['current', doc.key.verifier_key, null],
      ['retired', first.key.verifier_key, doc.retired.retired_at],
    ]);
    const human = await runCli(['keys', 'show'], env);
    expect(human.stdout).toContain(`retired: ${first.key.verifier_key} (since ${doc.retired.retired_at})`);

    const again = await runCli(['keys', 'rotate', '--origin', 'new.example'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Rotated signing key .*signing\.key \(mode 0600\)$/m);
    const after = await show();
    expect(after.key.name).toBe('new.example');
    expect(after.key_set.keys.map((k) => k.status)).toEqual(['current', 'retired', 'retired']);
    expect(after.key_set.keys[2]?.verifier_key).toBe(first.key.verifier_key);
  });

  it('rotate with no key is not found (exit 3), with AOS_SIGNING_KEY set a usage error (exit 2); neither writes', async () => {
    const missing = await runCli(['keys', 'rotate', '--json'], env);
    expect(missing.code).toBe(3);
    expect(ErrorJsonSchema.parse(JSON.parse(missing.stdout)).error).toMatchObject({ code: 'KEY_NOT_FOUND' });
    const withEnv = await runCli(['keys', 'rotate'], {
      ...env,
      AOS_SIGNING_KEY: encodeSigningKey(generateSigningKey('env.example')),
    });
    expect(withEnv.code).toBe(2);
    expect(withEnv.stderr).toMatch(/AOS_SIGNING_KEY is set.*add the old verifier key to AOS_RETIRED_VERIFIER_KEYS/);
    expect(readdirSync(home)).toEqual([]);
  });

  it('show reports AOS_SIGNING_KEY as the current key and AOS_RETIRED_VERIFIER_KEYS as retired', async () => {
    const key = generateSigningKey('env.example');
    const old = generateSigningKey('env.example');
    const shown = await show({ AOS_SIGNING_KEY: encodeSigningKey(key), AOS_RETIRED_VERIFIER_KEYS: old.verifierKey });
    expect(shown.key).toMatchObject({ source: 'env', path: null, verifier_key: key.verifierKey });
    expect(shown.key_set.keys.map((k) => [k.status, k.source, k.verifier_key])).toEqual([
      ['current', 'env', key.verifierKey],
      ['retired', 'env', old.verifierKey],
    ]);
    expect(shown.key_set.file).toBeNull();
  });

  it('generate and rotate refuse an invalid key name with exit 2', async () => {
    const result = await runCli(['keys', 'generate', '--name', 'two words'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--name: must be non-empty, without spaces/);
    const rotate = await runCli(['keys', 'rotate', '--origin', 'a+b'], env);
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toMatch(/--origin: must be non-empty, without spaces/);
    expect(readdirSync(home)).toEqual([]);
  });

  it('show never reads the key file: an unrecorded one is reported as such (exit 3), whatever it holds', async () => {
    writeFileSync(join(home, 'signing.key'), 'not a key\n', { mode: 0o600 });
    const result = await runCli(['keys', 'show'], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /no verifier key recorded: .*signing\.key exists but .*verifier-keys\.json does not record/,
    );
    // rotate, which does read it, reports it malformed and replaces nothing.
    const rotate = await runCli(['keys', 'rotate'], env);
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toMatch(/signing key file .*signing\.key: signing key must start with "PRIVATE\+KEY\+"/);
    expect(readdirSync(home).sort()).toEqual(['signing.key']);
  });

  it('rotate refuses a key file others may read, saying chmod 600 <path>', async () => {
    await runCli(['keys', 'generate'], env);
    const file = join(home, 'signing.key');
    chmodSync(file, 0o644);
    const before = readFileSync(join(home, 'verifier-keys.json'), 'utf8');
    const result = await runCli(['keys', 'rotate'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`run chmod 600 ${file}`);
    expect(readFileSync(join(home, 'verifier-keys.json'), 'utf8')).toBe(before);
    expect(readdirSync(home).sort()).toEqual(['signing.key', 'verifier-keys.json']);
  });
});
