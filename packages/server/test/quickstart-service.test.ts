import { fileURLToPath } from 'node:url';
import { adminQuery, spawnNode } from '@aos/testkit';
import { describe, expect, inject, it } from 'vitest';

// `pnpm quickstart:service` (docs/deploy.md end to end): the operator's setup with the built
// int-cli and aos-server, then a customer with only a URL and an API key, ending VERIFIED by the
// customer's own check — and nothing left behind on the Postgres server.
const QUICKSTART = fileURLToPath(new URL('../../../tools/quickstart-service.mjs', import.meta.url));

describe.skipIf(!inject('aosServerAvailable'))('pnpm quickstart:service', () => {
  it('sets up a deployment, runs a customer goal remotely, ends VERIFIED and cleans up', async () => {
    const child = spawnNode([QUICKSTART], { env: {} });
    const { code } = await child.exited;
    const out = child.stdout();
    expect(code, out + child.stderr()).toBe(0);
    expect(out).toMatch(/^\$ DATABASE_URL=<admin> int-cli db roles$/m);
    expect(out).toMatch(/^\$ cus-cli login --api-url http:\/\/127\.0\.0\.1:\d+ --yes$/m);
    expect(out).toMatch(/^Status: succeeded$/m);
    expect(out).toMatch(/^verification_status: VERIFIED$/m);
    // The customer's commands carried no database URL and no tenant flag.
    expect(out).not.toMatch(/^\$ .*cus-cli .*--tenant-id/m);
    const left = await adminQuery(
      "SELECT (SELECT count(*) FROM pg_database WHERE datname LIKE 'aos_sandbox_%')::int AS dbs, " +
        "(SELECT count(*) FROM pg_roles WHERE rolname LIKE 'aos_sandbox_svc_%')::int AS roles",
    );
    expect(left.rows[0]).toEqual({ dbs: 0, roles: 0 });
  });
});
