import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ProofError } from '../errors';
import { loadSigningKey, readSigningKeyFile, resolveAosHome } from './key-store';
import { encodeSigningKey, generateSigningKey } from '../note-key';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aos-proof-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<ProofError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProofError);
  return error as ProofError;
}

describe('loadSigningKey', () => {
  it('uses AOS_SIGNING_KEY when set, and writes no file', async () => {
    const key = generateSigningKey('env.example');
    const loaded = await loadSigningKey({ env: { AOS_SIGNING_KEY: encodeSigningKey(key) }, home: dir });
    expect(loaded.verifierKey).toBe(key.verifierKey);
    expect(await readdir(dir)).toEqual([]);
  });

  it('names AOS_SIGNING_KEY when it is malformed', async () => {
    const error = await rejection(loadSigningKey({ env: { AOS_SIGNING_KEY: 'PRIVATE+KEY+x' }, home: dir }));
    expect(error.code).toBe('PROOF_BAD_KEY');
    expect(error.message).toMatch(/^AOS_SIGNING_KEY: /);
  });

  it('creates <home>/signing.key with mode 0600 on first use, then keeps using it', async () => {
    const home = join(dir, 'nested', 'home');
    const first = await loadSigningKey({ env: { AOS_ORIGIN: 'aos.example.com' }, home });
    expect(first.name).toBe('aos.example.com');
    const file = join(home, 'signing.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(encodeSigningKey(first));
    const second = await loadSigningKey({ env: { AOS_ORIGIN: 'other.origin' }, home });
    expect(second.verifierKey).toBe(first.verifierKey);
  });

  it('names a new key aos.local when AOS_ORIGIN is not set', async () => {
    expect((await loadSigningKey({ env: {}, home: dir })).name).toBe('aos.local');
  });

  it('gives every concurrent caller the same key and leaves no temporary file', async () => {
    const keys = await Promise.all(Array.from({ length: 16 }, () => loadSigningKey({ env: {}, home: dir })));
    expect(new Set(keys.map((key) => key.verifierKey)).size).toBe(1);
    expect(await readdir(dir)).toEqual(['signing.key']);
  });

  it('names the file when it holds a malformed key', async () => {
    await writeFile(join(dir, 'signing.key'), 'garbage\n', { mode: 0o600 });
    const error = await rejection(loadSigningKey({ env: {}, home: dir }));
    expect(error.code).toBe('PROOF_BAD_KEY');
    expect(error.message).toContain(join(dir, 'signing.key'));
  });

  it('names AOS_ORIGIN when it cannot name a key', async () => {
    const error = await rejection(loadSigningKey({ env: { AOS_ORIGIN: 'has space' }, home: dir }));
    expect(error.message).toMatch(/^AOS_ORIGIN: /);
  });

  it('reports an unreadable home as an I/O error', async () => {
    await writeFile(join(dir, 'file'), '');
    const error = await rejection(loadSigningKey({ env: {}, home: join(dir, 'file', 'sub') }));
    expect(error.code).toBe('PROOF_IO');
  });
});

describe.skipIf(process.platform === 'win32')('a key file others may read', () => {
  for (const mode of [0o644, 0o640, 0o604, 0o620]) {
    it(`is refused at mode ${mode.toString(8)} with the chmod 600 that fixes it, and left as it is`, async () => {
      const file = join(dir, 'signing.key');
      const text = `${encodeSigningKey(generateSigningKey('exposed.example'))}\n`;
      await writeFile(file, text);
      await chmod(file, mode);
      const error = await rejection(loadSigningKey({ env: {}, home: dir }));
      expect(error.code).toBe('PROOF_KEY_EXPOSED');
      expect(error.message).toContain(`signing key file ${file} has mode 0${mode.toString(8)}`);
      expect(error.message.endsWith(`; run chmod 600 ${file}`)).toBe(true);
      expect((await rejection(readSigningKeyFile(file))).code).toBe('PROOF_KEY_EXPOSED');
      expect(await readFile(file, 'utf8')).toBe(text);
      expect((await stat(file)).mode & 0o777).toBe(mode);

      await chmod(file, 0o600);
      expect((await loadSigningKey({ env: {}, home: dir })).name).toBe('exposed.example');
    });
  }

  it('readSigningKeyFile is null for a missing file and creates nothing', async () => {
    expect(await readSigningKeyFile(join(dir, 'signing.key'))).toBeNull();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('resolveAosHome', () => {
  it('is AOS_HOME when set, else ~/.aos', () => {
    expect(resolveAosHome({ AOS_HOME: '/srv/aos' })).toBe('/srv/aos');
    expect(resolveAosHome({})).toBe(join(homedir(), '.aos'));
  });
});
