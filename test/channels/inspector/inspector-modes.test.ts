import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../../src/settings.js';
import { resource, startFakeIntegration } from '../../helpers/fake-integration.js';
import { countRows } from '../../helpers/raw-sql.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../../helpers/server.js';
import { storeKinds, type OpenedStore } from '../../helpers/stores.js';

const api = '/api/switchboard/v1';
const settings = loadSettings({});

// What SWITCHBOARD_INSPECTOR_EXCHANGES keeps, through real pulls: production's default keeps
// only failures and findings, 0 keeps nothing, a count keeps that many of every exchange.
describe.each(storeKinds)('the inspector settings on $name', (kind) => {
  let opened: OpenedStore;
  let integration: Awaited<ReturnType<typeof startFakeIntegration>>;
  let n = 0;

  beforeAll(async () => {
    opened = await kind.open();
    integration = await startFakeIntegration();
  });
  afterAll(async () => {
    await integration?.close();
    await opened?.cleanup();
  });

  /** A server with `inspector` settings, an instance on it, and pulls: good, bad, good, failed. */
  async function pullsWith(inspector: Settings['inspector']) {
    const server: TestServer = await startServer(opened.store, {
      settings: { pull: { ...settings.pull, scheduler: false, timeoutMs: 2000 }, inspector },
    });
    try {
      const tenant: Tenant = await createTenant(opened.store, `mode${++n}`, []);
      const admin = (method: string, path: string, body?: unknown) =>
        call(server.baseUrl, method, `${api}${path}`, { auth: tenant.adminAuth, body });
      const registered = await admin('POST', '/channel_integrations', { manifest_url: integration.manifestUrl });
      const created = await admin('POST', '/instances', {
        integration_id: registered.json.integration.id,
        name: 'Modes',
        metadata: '',
        state: '',
      });
      const id: number = created.json.instance.id;
      const answers = [
        { body: { external_resources: [resource('a')] } },
        { body: { external_resources: [resource('b', { created_at: 'soon' })] } },
        { body: { external_resources: [] } },
        { status: 503, body: 'busy' },
      ];
      for (const answer of answers) {
        integration.answerPulls(() => answer);
        await admin('POST', `/instances/${id}/pull`);
      }
      const listed = (await admin('GET', `/instances/${id}/exchanges`)).json.exchanges as {
        kind: string;
        outcome: string;
        findings: { rule: string }[];
      }[];
      const rows = await countRows(
        opened.url,
        'exchanges',
        `integration_id = ${registered.json.integration.id as number}`,
      );
      return { listed, rows };
    } finally {
      await server.close();
    }
  }

  it("production's default keeps only failed exchanges and those with findings", async () => {
    const production = loadSettings({ SWITCHBOARD_MODE: 'production' }).inspector;
    expect(production).toEqual({ exchanges: 200, errorsOnly: true });
    const { listed, rows } = await pullsWith(production);
    // The successful manifest fetch and the two good pulls are not kept.
    expect(listed.map((e) => `${e.kind}:${e.outcome}:${e.findings.map((f) => f.rule).join(',')}`)).toEqual([
      'pull:failed:pull.status',
      'pull:failed:pull.resource.created_at.format',
    ]);
    expect(rows).toBe(2);
  });

  it("development's default keeps every exchange", async () => {
    const development = loadSettings({ SWITCHBOARD_MODE: 'development' }).inspector;
    expect(development).toEqual({ exchanges: 200, errorsOnly: false });
    const { listed, rows } = await pullsWith(development);
    expect(listed.map((e) => `${e.kind}:${e.outcome}`)).toEqual([
      'pull:failed',
      'pull:ok',
      'pull:failed',
      'pull:ok',
      'manifest:ok',
    ]);
    expect(rows).toBe(5);
  });

  it('0 records nothing', async () => {
    const off = loadSettings({ SWITCHBOARD_INSPECTOR_EXCHANGES: '0' }).inspector;
    const { listed, rows } = await pullsWith(off);
    expect(listed).toEqual([]);
    expect(rows).toBe(0);
  });

  it('a count keeps that many', async () => {
    const { listed, rows } = await pullsWith(loadSettings({ SWITCHBOARD_INSPECTOR_EXCHANGES: '2' }).inspector);
    expect(listed.map((e) => `${e.kind}:${e.outcome}`)).toEqual(['pull:failed', 'pull:ok', 'manifest:ok']);
    expect(rows).toBe(3);
  });
});

describe('SWITCHBOARD_INSPECTOR_EXCHANGES', () => {
  it.each([
    ['', 'development', { exchanges: 200, errorsOnly: false }],
    ['', 'production', { exchanges: 200, errorsOnly: true }],
    ['50', 'production', { exchanges: 50, errorsOnly: false }],
    ['errors', 'development', { exchanges: 200, errorsOnly: true }],
    ['errors:20', 'development', { exchanges: 20, errorsOnly: true }],
    ['0', 'production', { exchanges: 0, errorsOnly: false }],
  ])('%j in %s', (value, mode, expected) => {
    expect(loadSettings({ SWITCHBOARD_INSPECTOR_EXCHANGES: value, SWITCHBOARD_MODE: mode }).inspector).toEqual(
      expected,
    );
  });

  it.each(['all', '-1', 'errors:', 'errors5', '200000'])('refuses %j, saying what it takes', (value) => {
    expect(() => loadSettings({ SWITCHBOARD_INSPECTOR_EXCHANGES: value })).toThrow(/SWITCHBOARD_INSPECTOR_EXCHANGES/);
  });
});
