import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { createAccount } from '../../../src/accounts/provision.js';
import { storeKinds, type OpenedStore } from '../../helpers/stores.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { startFixtures, type FixtureServer } from './fixtures/fixture-integrations.js';

let fixtures: FixtureServer;
beforeAll(async () => {
  fixtures = await startFixtures();
});
afterAll(async () => {
  await fixtures?.close();
});

const basic = (email: string, token: string) => `Basic ${Buffer.from(`${email}/token:${token}`).toString('base64')}`;

async function waitForReport(server: TestServer, auth: string, id: string) {
  for (let i = 0; i < 200; i++) {
    const response = await fetch(`${server.baseUrl}/api/switchboard/v1/doctor_runs/${id}`, {
      headers: { authorization: auth },
    });
    const run = (await response.json()) as {
      status: string;
      report: { exit_code: number; findings: { rule: string }[] } | null;
    };
    if (run.status === 'finished') return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the doctor run did not finish');
}

describe.each(storeKinds)('doctor_runs API on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let production: TestServer;

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, { settings: { mode: 'development' } });
    production = await startServer(opened.store, {
      settings: { mode: 'production', outboundAllow: ['127.0.0.0/8'] },
    });
  });
  afterAll(async () => {
    await server?.close();
    await production?.close();
    await opened?.cleanup();
  });

  it('runs the doctor in a throwaway account, leaves the caller untouched, and reads the report', async () => {
    const tenant = await createAccount(opened.store, systemClock, { subdomain: `tenant-${kind.name}` });
    if (tenant === 'exists') throw new Error('exists');
    const auth = basic(tenant.adminEmail, tenant.apiToken);
    const started = await fetch(`${server.baseUrl}/api/switchboard/v1/doctor_runs`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ manifest_url: fixtures.manifestUrl('bad-pull'), metadata: '{}' }),
    });
    expect(started.status).toBe(202);
    const run = (await started.json()) as { id: string; status: string };
    expect(run.status).toBe('running');
    const finished = await waitForReport(server, auth, run.id);
    expect(finished.report?.exit_code).toBe(1);
    expect(finished.report?.findings.map((f) => f.rule)).toEqual(
      expect.arrayContaining([
        'pull.state.length',
        'pull.resource.created_at.format',
        'pull.resource.parent_id.dangling',
      ]),
    );
    // Nothing it did touched the caller's account; its own integration is gone afterwards.
    expect(await opened.store.channels.listIntegrations(tenant.account.id)).toEqual([]);
    // Another account cannot read the run.
    const other = await createAccount(opened.store, systemClock, { subdomain: `other-${kind.name}` });
    if (other === 'exists') throw new Error('exists');
    const foreign = await fetch(`${server.baseUrl}/api/switchboard/v1/doctor_runs/${run.id}`, {
      headers: { authorization: basic(other.adminEmail, other.apiToken) },
    });
    expect(foreign.status).toBe(404);
  });

  it('in production runs only for a doctor account, inside it', async () => {
    const tenant = await createAccount(opened.store, systemClock, { subdomain: `prod-tenant-${kind.name}` });
    const doctor = await createAccount(opened.store, systemClock, { subdomain: `doctor-${kind.name}`, doctor: true });
    if (tenant === 'exists' || doctor === 'exists') throw new Error('exists');
    expect(doctor.account.doctor).toBe(true);
    expect((await opened.store.findAccountById(doctor.account.id))?.doctor).toBe(true);
    expect((await opened.store.findAccountById(tenant.account.id))?.doctor).toBeUndefined();
    const start = (auth: string) =>
      fetch(`${production.baseUrl}/api/switchboard/v1/doctor_runs`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ manifest_url: fixtures.manifestUrl('correct'), metadata: '{}', wait_seconds: 1 }),
      });
    const refused = await start(basic(tenant.adminEmail, tenant.apiToken));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { errors: { detail: string }[] }).errors[0]?.detail).toContain('--doctor');
    const auth = basic(doctor.adminEmail, doctor.apiToken);
    const started = await start(auth);
    expect(started.status).toBe(202);
    const finished = await waitForReport(production, auth, ((await started.json()) as { id: string }).id);
    // The doctor follows the server's own outbound rules: production calls https only, so
    // this plain-http integration could not even be fetched (exit 2, "could not run").
    expect(finished.report?.exit_code).toBe(2);
    expect((finished.report as unknown as { could_not_run: string }).could_not_run).toMatch(
      /manifest could not be fetched/,
    );
    expect(await opened.store.channels.listIntegrations(doctor.account.id)).toEqual([]);
  });

  it('refuses a body without manifest_url with the error envelope (422, as every invalid body)', async () => {
    const tenant = await createAccount(opened.store, systemClock, { subdomain: `bad-body-${kind.name}` });
    if (tenant === 'exists') throw new Error('exists');
    const response = await fetch(`${server.baseUrl}/api/switchboard/v1/doctor_runs`, {
      method: 'POST',
      headers: { authorization: basic(tenant.adminEmail, tenant.apiToken), 'content-type': 'application/json' },
      body: JSON.stringify({ wait_seconds: 1 }),
    });
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain('manifest_url');
  });
});
