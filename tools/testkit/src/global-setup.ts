import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { MIGRATIONS, openDatabase } from '@aos/core/testing';
import { chromiumExecutable } from './browser';
import { isServerReachable } from './server-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated embedded data directory to copy; never opened by tests directly. */
    aosEmbeddedTemplate: string;
    /** Whether the Postgres server half of the suite can run. */
    aosServerAvailable: boolean;
    /** Whether a Chromium executable is there for the console's browser tests. */
    aosBrowserAvailable: boolean;
  }
}

function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const migration of MIGRATIONS) hash.update(`${migration.name}.sql`).update(migration.sql);
  return hash.digest('hex').slice(0, 16);
}

// initdb of an embedded directory costs ~3 s: build one migrated template per migration
// set and let every test copy it.
async function ensureEmbeddedTemplate(): Promise<string> {
  const template = join(tmpdir(), `aos-test-template-${migrationsFingerprint()}`);
  if (existsSync(join(template, '.ready'))) return join(template, 'pgdata');
  const staging = mkdtempSync(join(tmpdir(), 'aos-test-template-staging-'));
  const store = await openDatabase({ dataDir: join(staging, 'pgdata'), env: {} });
  await store.close();
  rmSync(template, { recursive: true, force: true });
  cpSync(staging, template, { recursive: true });
  rmSync(staging, { recursive: true, force: true });
  writeFileSync(join(template, '.ready'), new Date().toISOString());
  return join(template, 'pgdata');
}

export default async function setup(project: TestProject): Promise<void> {
  const serverAvailable = await isServerReachable();
  if (!serverAvailable && process.env.AOS_TEST_REQUIRE_SERVER === '1') {
    throw new Error(
      'AOS_TEST_REQUIRE_SERVER=1 but no Postgres server answers on 127.0.0.1:5432 ' +
        '(start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)',
    );
  }
  const browserAvailable = chromiumExecutable() !== undefined;
  if (!browserAvailable && process.env.AOS_TEST_REQUIRE_BROWSER === '1') {
    throw new Error(
      `AOS_TEST_REQUIRE_BROWSER=1 but there is no Chromium at ${process.env.AOS_CHROMIUM?.trim() || '/usr/bin/chromium'} ` +
        '(install it: apt-get install -y chromium, or set AOS_CHROMIUM)',
    );
  }
  project.provide('aosServerAvailable', serverAvailable);
  project.provide('aosBrowserAvailable', browserAvailable);
  project.provide('aosEmbeddedTemplate', await ensureEmbeddedTemplate());
}
