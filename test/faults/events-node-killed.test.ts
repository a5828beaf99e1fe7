import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventIntegration } from '../helpers/event-integration.js';
import { pidOfClientPort, until } from '../helpers/node-kill.js';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
const instances = 3;

const kinds = [
  {
    name: 'sqlite',
    database: async (dir: string) => ({ url: `sqlite:${join(dir, 'shared.db')}`, drop: async () => {} }),
  },
  ...(postgresAvailable ? [{ name: 'postgres', database: async () => createPostgresSchema() }] : []),
];

/**
 * Three real `serve` processes share one database, with the default (short, renewed) event
 * lease. Instance changes go on through the live nodes; the node delivering the
 * integration's batch is killed (SIGKILL) mid-delivery. Another node delivers within 15 s,
 * every event arrives, and each instance's events arrive in order (an integration dropping
 * repeated ids, as the README recommends, sees each once, in order).
 */
describe.each(kinds)('event delivery when its node is killed, on $name', (kind) => {
  const dir = tempDir();
  let database: { url: string; drop: () => Promise<void> };
  let integration: Awaited<ReturnType<typeof startEventIntegration>>;
  const nodes: ServeProcess[] = [];
  let auth: string;
  let integrationId: number;
  const instanceIds: number[] = [];
  const env = {
    SWITCHBOARD_DATA_DIR: dir.path,
    SWITCHBOARD_MODE: 'development',
    SWITCHBOARD_SECRET_KEY: 'shared-by-all-nodes',
    SWITCHBOARD_PULL_SCHEDULER: 'off',
    SWITCHBOARD_EVENTS_BATCH_SIZE: '5',
    LOG_LEVEL: 'warn',
  };
  const live = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  let turn = 0;
  const admin = (method: string, path: string, body?: unknown) => {
    const on = live();
    return call(on[turn++ % on.length]!.baseUrl, method, `${api}${path}`, { auth, body });
  };

  beforeAll(async () => {
    database = await kind.database(dir.path);
    integration = await startEventIntegration();
    const account = await runCli(['accounts', 'create', '--subdomain', 'acme', '--json', '--database', database.url], {
      SWITCHBOARD_DATA_DIR: dir.path,
    });
    const { admin_email, api_token } = JSON.parse(account.stdout) as { admin_email: string; api_token: string };
    auth = 'Basic ' + Buffer.from(`${admin_email}/token:${api_token}`).toString('base64');
    // One after the other, with time to spare: a busy machine starts them slowly.
    for (let n = 0; n < 3; n++) nodes.push(await startServeProcess(database.url, env, 60_000));
    const registered = await admin('POST', '/channel_integrations', { manifest_url: integration.manifestUrl });
    expect(registered.status).toBe(201);
    integrationId = registered.json.integration.id;
    for (let i = 0; i < instances; i++) {
      const created = await admin('POST', '/instances', {
        integration_id: integrationId,
        name: `i${i}`,
        metadata: `i${i}`,
      });
      expect(created.status).toBe(201);
      instanceIds.push(created.json.instance.id);
    }
  }, 240_000);
  afterAll(async () => {
    await Promise.all(live().map((node) => node.stop('SIGKILL')));
    await integration?.close();
    await database?.drop();
    dir.remove();
  });

  it('resumes within 15 s on another node; nothing lost, in order per instance', async () => {
    // Changes go on meanwhile: each toggles an instance, one event each, through the live nodes.
    let changes = 0;
    let paused = false;
    /** The driver's request under way, if any. */
    let inFlight: ReturnType<typeof admin> | undefined;
    let stopped = false;
    const active = instanceIds.map(() => true);
    const drive = (async () => {
      while (!stopped) {
        if (!paused) {
          const i = changes % instances;
          const action = active[i] ? 'deactivate' : 'activate';
          inFlight = admin('POST', `/instances/${instanceIds[i]}/${action}`);
          const changed = await inFlight;
          expect(changed.status).toBe(200);
          active[i] = !active[i];
          changes++;
        }
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    let held: { pid: number; at: number } | undefined;
    let release: (status: number) => void = () => undefined;
    try {
      await integration.waitFor((got) => got.length >= 10, 20_000);
      // Hold the next batch: its node is the one to kill.
      const senders = new Map<object, number>();
      integration.answerEvents((delivery) => {
        senders.set(delivery, pidOfClientPort(delivery.remotePort, delivery.localPort));
        if (held) return { status: 200 };
        held = { pid: senders.get(delivery)!, at: delivery.at };
        return { hold: new Promise<number>((resolve) => (release = resolve)) };
      });
      await until(() => held !== undefined, 20_000, 'a held batch');
      const victim = nodes.find((node) => node.child.pid === held!.pid)!;
      expect(victim).toBeDefined();
      // No change is in flight to the victim when it dies: every change answered is committed.
      paused = true;
      await inFlight;
      await victim.stop('SIGKILL');
      const killedAt = Date.now();
      paused = false;

      const heldCount = integration.deliveries.length;
      await until(() => integration.deliveries.length > heldCount, 20_000, 'a delivery after the kill');
      const resumed = integration.deliveries[heldCount]!;
      expect(resumed.at - killedAt).toBeLessThanOrEqual(15_000);
      expect(senders.get(resumed)).not.toBe(held!.pid);

      // A few more changes through the survivors, then every event must arrive.
      const target = changes + 2 * instances;
      await until(() => changes >= target, 20_000, 'more changes');
      stopped = true;
      await drive;
      const listed = await admin('GET', `/channel_integrations/${integrationId}/events?limit=1000`);
      const ids = (listed.json.events as { id: string }[]).map((event) => String(event.id));
      expect(ids.length).toBe(1 + instances + changes);
      await until(
        () => new Set(integration.received().map((event) => String(event.id))).size >= ids.length,
        20_000,
        'every event',
      );
      const received = integration.received();
      expect(new Set(received.map((event) => String(event.id)))).toEqual(new Set(ids));

      // In order per instance, repeats dropped as an integration that drops repeated ids does.
      const seen = new Set<string>();
      const byInstance = new Map<string, { id: number; type: string }[]>();
      for (const event of received) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        const key = event.data?.metadata as string | undefined;
        if (key === undefined) continue;
        byInstance.set(key, [...(byInstance.get(key) ?? []), { id: Number(event.id), type: event.type_id }]);
      }
      expect(byInstance.size).toBe(instances);
      for (const events of byInstance.values()) {
        const ids = events.map((event) => event.id);
        expect(ids).toEqual([...ids].sort((x, y) => x - y));
        expect(events.map((event) => event.type)).toEqual(
          events.map((_, n) =>
            n === 0
              ? 'create_integration_instance'
              : n % 2
                ? 'deactivate_integration_instance'
                : 'activate_integration_instance',
          ),
        );
      }
    } finally {
      stopped = true;
      release(200);
      await drive.catch(() => undefined);
    }
  }, 90_000);
});
