import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSigningKey, generateSigningKey, parseSigningKey } from '@aos/proof';
import { describeEachDriver } from '@aos/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  generateSigningKeyFile,
  loadDeploymentSigningKey,
  loadVerifierKeySet,
  openRuntime,
  rotateSigningKey,
  VERIFIER_KEYS_FILE,
} from '@aos/core/testing';

const KEY_FILE = 'signing.key';

function keySetFile(home: string): { current: string | null; retired: { verifier_key: string; retired_at: string }[] } {
  return JSON.parse(readFileSync(join(home, VERIFIER_KEYS_FILE), 'utf8')) as never;
}

describe('verifier key set', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'aos-key-set-'));
    env = { AOS_HOME: home };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('is empty on a fresh home, and reading it writes nothing', async () => {
    const set = await loadVerifierKeySet(env);
    expect(set).toEqual({ current: null, keys: [], file: join(home, VERIFIER_KEYS_FILE), warnings: [] });
    expect(readdirSync(home)).toEqual([]);
  });

  it('loadDeploymentSigningKey creates the key once and records it before returning it', async () => {
    const key = await loadDeploymentSigningKey({ ...env, AOS_ORIGIN: 'origin.example' });
    expect(key.name).toBe('origin.example');
    expect(statSync(join(home, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, VERIFIER_KEYS_FILE)).mode & 0o777).toBe(0o644);
    expect(keySetFile(home)).toEqual({ format: 'aos.verifier-keys.v1', current: key.verifierKey, retired: [] });
    const set = await loadVerifierKeySet(env);
    expect(set.current).toMatchObject({ verifierKey: key.verifierKey, status: 'current', source: 'file' });
    expect(set.keys).toHaveLength(1);
    const again = await loadDeploymentSigningKey(env);
    expect(again.verifierKey).toBe(key.verifierKey);
    expect(readdirSync(home).sort()).toEqual([KEY_FILE, VERIFIER_KEYS_FILE]);
  });

  it('gives concurrent first users one key, recorded once, and leaves no temporary or lock file', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadDeploymentSigningKey(env)));
    expect(new Set(keys.map((k) => k.verifierKey)).size).toBe(1);
    expect(keySetFile(home)).toMatchObject({ current: keys[0]!.verifierKey, retired: [] });
    expect(readdirSync(home).sort()).toEqual([KEY_FILE, VERIFIER_KEYS_FILE]);
  });

  it('records a key file copied in, retiring the key it replaces, and warns readers until then', async () => {
    const first = await loadDeploymentSigningKey(env);
    const copied = generateSigningKey('copied.example');
    writeFileSync(join(home, KEY_FILE), `${encodeSigningKey(copied)}\n`, { mode: 0o600 });
    // Readers never open the key file: they trust what the set records.
    expect((await loadVerifierKeySet(env)).current?.verifierKey).toBe(first.verifierKey);

    const before = Date.now();
    expect((await loadDeploymentSigningKey(env)).verifierKey).toBe(copied.verifierKey);
    const set = await loadVerifierKeySet(env);
    expect(set.keys.map((k) => [k.status, k.verifierKey])).toEqual([
      ['current', copied.verifierKey],
      ['retired', first.verifierKey],
    ]);
    expect(Date.parse(set.keys[1]!.retiredAt!)).toBeGreaterThanOrEqual(before - 1000);

    rmSync(join(home, VERIFIER_KEYS_FILE));
    const unrecorded = await loadVerifierKeySet(env);
    expect(unrecorded.keys).toEqual([]);
    expect(unrecorded.warnings).toEqual([expect.stringContaining('does not record its verifier key')]);
  });

  it('generateSigningKeyFile records the first key and never replaces one', async () => {
    const { key, keySet } = await generateSigningKeyFile({ ...env, AOS_ORIGIN: 'origin.example' });
    expect(key.name).toBe('origin.example');
    expect(keySet.current?.verifierKey).toBe(key.verifierKey);
    expect(statSync(join(home, KEY_FILE)).mode & 0o777).toBe(0o600);
    const before = readFileSync(join(home, KEY_FILE), 'utf8');
    await expect(generateSigningKeyFile(env)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(readFileSync(join(home, KEY_FILE), 'utf8')).toBe(before);
    expect((await loadDeploymentSigningKey(env)).verifierKey).toBe(key.verifierKey);
    await expect(generateSigningKeyFile(env, { name: 'a b' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('rotateSigningKey retires the old key with its date, keeps its private key, and never drops a key', async () => {
    const first = await generateSigningKeyFile(env, { name: 'k.example' });
    const oldText = readFileSync(join(home, KEY_FILE), 'utf8');
    const t1 = new Date('2026-03-01T10:00:00.000Z');
    const second = await rotateSigningKey(env, { now: t1 });
    expect(second.key.name).toBe('k.example');
    expect(second.key.verifierKey).not.toBe(first.key.verifierKey);
    expect(second.retired).toMatchObject({ verifierKey: first.key.verifierKey, retiredAt: t1.toISOString() });
    expect(readFileSync(second.retired.backupPath, 'utf8')).toBe(oldText);
    expect(statSync(second.retired.backupPath).mode & 0o777).toBe(0o600);
    expect((await loadDeploymentSigningKey(env)).verifierKey).toBe(second.key.verifierKey);

    const t2 = new Date('2026-04-01T10:00:00.000Z');
    const third = await rotateSigningKey(env, { origin: 'new.example', now: t2 });
    expect(third.key.name).toBe('new.example');
    const set = await loadVerifierKeySet(env);
    expect(set.keys.map((k) => [k.status, k.verifierKey, k.retiredAt])).toEqual([
      ['current', third.key.verifierKey, null],
      ['retired', second.key.verifierKey, t2.toISOString()],
      ['retired', first.key.verifierKey, t1.toISOString()],
    ]);
    expect(third.keySet.keys).toHaveLength(3);
    expect(parseSigningKey(readFileSync(join(home, KEY_FILE), 'utf8')).verifierKey).toBe(third.key.verifierKey);
    expect(readdirSync(home).filter((n) => n.startsWith('signing.key.bak-'))).toHaveLength(2);
  });

  it('rotateSigningKey refuses with nothing to rotate, with AOS_SIGNING_KEY set, and with an exposed key file', async () => {
    await expect(rotateSigningKey(env)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    const withEnv = { ...env, AOS_SIGNING_KEY: encodeSigningKey(generateSigningKey('env.example')) };
    await expect(rotateSigningKey(withEnv)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('AOS_RETIRED_VERIFIER_KEYS'),
    });
    await generateSigningKeyFile(env);
    const before = readFileSync(join(home, VERIFIER_KEYS_FILE), 'utf8');
    chmodSync(join(home, KEY_FILE), 0o644);
    await expect(rotateSigningKey(env)).rejects.toMatchObject({
      code: 'PROOF_KEY_EXPOSED',
      message: expect.stringContaining(`chmod 600 ${join(home, KEY_FILE)}`),
    });
    expect(readFileSync(join(home, VERIFIER_KEYS_FILE), 'utf8')).toBe(before);
    await expect(loadDeploymentSigningKey(env)).rejects.toMatchObject({ code: 'PROOF_KEY_EXPOSED' });
  });

  it('with AOS_SIGNING_KEY: that key is current, AOS_RETIRED_VERIFIER_KEYS are retired, and no file is read or written', async () => {
    await generateSigningKeyFile(env);
    const fileSet = readFileSync(join(home, VERIFIER_KEYS_FILE), 'utf8');
    const envKey = generateSigningKey('env.example');
    const old = generateSigningKey('env.example');
    const withEnv = {
      ...env,
      AOS_SIGNING_KEY: encodeSigningKey(envKey),
      AOS_RETIRED_VERIFIER_KEYS: ` ${old.verifierKey} ,, ${envKey.verifierKey}`,
    };
    const set = await loadVerifierKeySet(withEnv);
    expect(set.file).toBeNull();
    expect(set.keys.map((k) => [k.status, k.source, k.verifierKey])).toEqual([
      ['current', 'env', envKey.verifierKey],
      ['retired', 'env', old.verifierKey],
    ]);
    expect((await loadDeploymentSigningKey(withEnv)).verifierKey).toBe(envKey.verifierKey);
    expect(readFileSync(join(home, VERIFIER_KEYS_FILE), 'utf8')).toBe(fileSet);
  });

  it('names the variable, entry or file that is malformed', async () => {
    await expect(loadVerifierKeySet({ ...env, AOS_SIGNING_KEY: 'junk' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/^AOS_SIGNING_KEY: /),
    });
    await expect(loadVerifierKeySet({ ...env, AOS_RETIRED_VERIFIER_KEYS: 'nope' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/^AOS_RETIRED_VERIFIER_KEYS\[0\]: /),
    });
    writeFileSync(join(home, VERIFIER_KEYS_FILE), '{"format":"aos.verifier-keys.v1","current":"x","retired":[]}');
    await expect(loadVerifierKeySet(env)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`${join(home, VERIFIER_KEYS_FILE)}: current`),
    });
    writeFileSync(join(home, VERIFIER_KEYS_FILE), '[]');
    await expect(loadVerifierKeySet(env)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`key set file ${join(home, VERIFIER_KEYS_FILE)} is not an aos.verifier-keys.v1`),
    });
  });
});

describeEachDriver('openRuntime keys', (t) => {
  it('opens no key; signer() loads (and creates) it once, and keySet() then lists it', async () => {
    await t.release();
    const runtime = await openRuntime({ env: t.env });
    try {
      expect(readdirSync(t.home).filter((n) => n.includes('key'))).toEqual([]);
      expect((await runtime.keySet()).keys).toEqual([]);
      const [a, b] = await Promise.all([runtime.signer(), runtime.signer()]);
      expect(a).toBe(b);
      expect((await runtime.keySet()).current?.verifierKey).toBe(a.verifierKey);
      expect(
        readdirSync(t.home)
          .filter((n) => n.includes('key'))
          .sort(),
      ).toEqual([KEY_FILE, VERIFIER_KEYS_FILE]);
    } finally {
      await runtime.close();
    }
  });
});
