import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource, startFakeIntegration } from '../helpers/fake-integration.js';
import { runCli } from '../helpers/processes.js';
import { tempDir } from '../helpers/server.js';

describe('channel commands', () => {
  const dir = tempDir();
  const database = `sqlite:${join(dir.path, 'cli.db')}`;
  const env = { SWITCHBOARD_DATA_DIR: dir.path };
  let fake: Awaited<ReturnType<typeof startFakeIntegration>>;
  const cli = (...args: string[]) => runCli([...args, '--database', database], env);

  beforeAll(async () => {
    fake = await startFakeIntegration();
    expect((await cli('accounts', 'create', '--subdomain', 'acme', '--json')).code).toBe(0);
  });
  afterAll(async () => {
    await fake.close();
    dir.remove();
  });

  it('registers by manifest, lists, pulls an instance and removes the integration', async () => {
    const registered = await cli('integrations', 'register', '--account', 'acme', '--manifest-url', fake.manifestUrl);
    expect(registered.stderr).toBe('');
    const { integration, signing_secret } = JSON.parse(registered.stdout);
    expect(integration.manifest.urls.pull_url.href).toBe(`${fake.base}/integration/pull`);
    expect(signing_secret.length).toBeGreaterThan(30);
    expect(JSON.parse((await cli('integrations', 'list', '--account', 'acme')).stdout).integrations).toHaveLength(1);

    // An instance, through the store the CLI shares with the server.
    const { SqliteStore } = await import('../../src/store/sqlite/sqlite-store.js');
    const store = new SqliteStore(database.slice('sqlite:'.length));
    await store.migrate();
    const account = (await store.findAccountBySubdomain('acme'))!;
    const instance = await store.channels.createInstance({
      accountId: account.id,
      integrationId: integration.id,
      name: 'cli',
      metadata: 'm',
      state: 's',
      instancePushId: 'push-cli',
      pushTokenHash: 'h',
      nowMs: Date.now(),
    });
    await store.close();

    fake.answerPulls(() => ({ body: { external_resources: [resource('cli-1')], state: 's2' } }));
    const pulled = await cli('pull', '--account', 'acme', '--instance', String(instance.id));
    expect(JSON.parse(pulled.stdout).pull).toMatchObject({ outcome: 'ok', resources_stored: 1 });
    // The CLI signs with the same derived secret the server shows.
    const { verifySignature } = await import('../../src/channels/outbound/signature.js');
    const seen = fake.pulls.at(-1)!;
    expect(
      verifySignature(
        signing_secret,
        seen.raw,
        seen.headers['x-switchboard-signature'] as string,
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(true);
    const listed = JSON.parse((await cli('instances', '--account', 'acme')).stdout).instances;
    expect(listed[0]).toMatchObject({ name: 'cli', state: 's2', metadata: null });

    expect((await cli('integrations', 'remove', '--account', 'acme', '--id', String(integration.id))).code).toBe(0);
    expect(JSON.parse((await cli('instances', '--account', 'acme')).stdout).instances).toEqual([]);
  });

  it('refuses mistakes with one line', async () => {
    const bad = await cli(
      'integrations',
      'register',
      '--account',
      'acme',
      '--manifest-url',
      'http://127.0.0.1:9/m.json',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Could not fetch the manifest/);
    const nobody = await cli('pull', '--account', 'nobody', '--instance', '1');
    expect(nobody.stderr).toMatch(/No account with subdomain "nobody"/);
    const missing = await cli('pull', '--account', 'acme', '--instance', '999');
    expect(missing.stderr).toMatch(/not found/);
  });
});
