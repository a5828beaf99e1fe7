import { integrationJson } from '../channels/integrations/integration-json.js';
import { fetchManifest } from '../channels/integrations/fetch-manifest.js';
import { instanceJson } from '../channels/instances/instance-json.js';
import { outboundClientFor, pullDependenciesFor } from '../channels/channel-host.js';
import { pullJson } from '../channels/pull/pull-json.js';
import { pullNow as pullInstanceNow } from '../channels/pull/pull-now.js';
import { integrationSigningSecret, loadSecretKey } from '../channels/signing-secret.js';
import { systemClock, type Clock } from '../clock.js';
import type { Settings } from '../settings.js';
import { UsageError } from './usage-error.js';
import { resolveAccount } from './account-option.js';
import { printJson, printListing, tableTime, type JsonFlag } from './output.js';
import { openStore } from '../store/open-store.js';
import { storeOptionsOf } from '../store/store-options.js';
import { loadCipher } from '../store/encryption/encryption-keys.js';
import type { Account, Store } from '../store/store.js';
import { ExchangeRecorder } from '../channels/inspector/exchange-recorder.js';

async function withAccount<T>(
  settings: Settings,
  subdomain: string | undefined,
  clock: Clock,
  work: (store: Store, account: Account) => Promise<T>,
) {
  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    clock,
    cipher: loadCipher(settings, { forServe: false }),
  });
  try {
    await store.migrate();
    const account = await resolveAccount(store, subdomain);
    return await work(store, account);
  } finally {
    await store.close();
  }
}

const outbound = outboundClientFor;

/** `switchboard integrations register --account S --manifest-url URL`: prints the integration and its signing secret. */
export async function integrationsRegister(
  settings: Settings,
  flags: { account?: string; manifestUrl: string },
  clock: Clock = systemClock,
) {
  await withAccount(settings, flags.account, clock, async (store, account) => {
    const client = outbound(settings);
    try {
      const { manifest } = await fetchManifest(client, flags.manifestUrl).catch((error: { detail?: string }) => {
        throw new UsageError(error.detail ?? String(error));
      });
      const integration = await store.channels.createIntegration({
        accountId: account.id,
        remoteId: manifest.id,
        name: manifest.name,
        manifestUrl: flags.manifestUrl,
        manifestJson: JSON.stringify(manifest),
        nowMs: clock().getTime(),
      });
      const secret = integrationSigningSecret(loadSecretKey(settings.secretKey, settings.dataDir), integration);
      printJson({ integration: integrationJson(integration), signing_secret: secret });
    } finally {
      await client.close();
    }
  });
}

/** `switchboard integrations list [--account S] [--json]`: a table on a terminal, else the JSON. */
export async function integrationsList(settings: Settings, flags: JsonFlag & { account?: string }) {
  await withAccount(settings, flags.account, systemClock, async (store, account) => {
    const integrations = await store.channels.listIntegrations(account.id);
    printListing(flags, {
      json: { integrations: integrations.map(integrationJson) },
      columns: [
        { heading: 'id', align: 'right' },
        { heading: 'name' },
        { heading: 'manifest url' },
        { heading: 'created' },
      ],
      rows: integrations.map((i) => [String(i.id), i.name, i.manifestUrl, tableTime(i.createdAt)]),
      empty: `No channel integration on ${account.subdomain}: add one with "switchboard integrations register --manifest-url URL".`,
    });
  });
}

/** `switchboard integrations remove --account S --id N`. */
export async function integrationsRemove(settings: Settings, flags: { account?: string; id: string }) {
  await withAccount(settings, flags.account, systemClock, async (store, account) => {
    if (!(await store.channels.deleteIntegration(account.id, Number(flags.id), systemClock().getTime()))) {
      throw new UsageError(`No channel integration ${flags.id} on ${account.subdomain}`);
    }
    process.stdout.write(`Removed channel integration ${flags.id} and its instances.\n`);
  });
}

/** `switchboard instances [--account S] [--json]` (metadata redacted): a table on a terminal, else the JSON. */
export async function instancesList(settings: Settings, flags: JsonFlag & { account?: string }) {
  await withAccount(settings, flags.account, systemClock, async (store, account) => {
    const instances = await store.channels.listInstances(account.id);
    printListing(flags, {
      json: { instances: instances.map((i) => instanceJson(i, { includeMetadata: false })) },
      columns: [
        { heading: 'id', align: 'right' },
        { heading: 'integration', align: 'right' },
        { heading: 'name' },
        { heading: 'active' },
        { heading: 'failures', align: 'right' },
        { heading: 'last pull' },
        { heading: 'next pull' },
      ],
      rows: instances.map((i) => [
        String(i.id),
        String(i.integrationId),
        i.name,
        i.active ? 'yes' : `no (${i.deactivatedReason ?? 'deactivated'})`,
        String(i.consecutiveFailures),
        tableTime(i.lastPullAt),
        i.active ? tableTime(i.nextPullAt) : '-',
      ]),
      empty: `No instance on ${account.subdomain} yet: instances are added through an integration's admin UI (the console).`,
    });
  });
}

/** `switchboard pull --account S --instance N`: pulls one instance now and prints the outcome. */
export async function pullNow(
  settings: Settings,
  flags: { account?: string; instance: string },
  clock: Clock = systemClock,
) {
  await withAccount(settings, flags.account, clock, async (store, account) => {
    const client = outbound(settings);
    const secretKey = loadSecretKey(settings.secretKey, settings.dataDir);
    try {
      const deps = pullDependenciesFor({
        channels: store.channels,
        client,
        settings,
        secretKey,
        nowMs: () => clock().getTime(),
        inspector: new ExchangeRecorder(store.exchanges, settings.inspector),
      });
      const pulled = await pullInstanceNow(deps, {
        accountId: account.id,
        instanceId: Number(flags.instance),
        owner: 'cli',
      });
      if (typeof pulled === 'string') {
        throw new UsageError(`Cannot pull instance ${flags.instance}: ${pulled.replaceAll('_', ' ')}`);
      }
      printJson({ pull: pullJson(pulled) });
    } finally {
      await client.close();
    }
  });
}
