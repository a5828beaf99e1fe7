import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannelbackIntegration, type ChannelbackSeen } from '../helpers/channelback-integration.js';
import { resource } from '../helpers/fake-integration.js';
import { pidOfClientPort, until } from '../helpers/node-kill.js';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

const api = '/api/switchboard/v1';

const kinds = [
  {
    name: 'sqlite',
    database: async (dir: string) => ({ url: `sqlite:${join(dir, 'shared.db')}`, drop: async () => {} }),
  },
  ...(postgresAvailable ? [{ name: 'postgres', database: async () => createPostgresSchema() }] : []),
];

/**
 * Three real `serve` processes share one database, with the default (short, renewed) reply
 * lease. Replies go on being written through the live nodes; the node sending one is
 * killed (SIGKILL) mid-send. Another node sends it within 15 s, with the same
 * `request_unique_identifier`; every reply is sent, and only what the dead node had in
 * flight is sent twice (at least once, as the README says).
 */
describe.each(kinds)('reply sending when its node is killed, on $name', (kind) => {
  const dir = tempDir();
  let database: { url: string; drop: () => Promise<void> };
  let integration: Awaited<ReturnType<typeof startChannelbackIntegration>>;
  const nodes: ServeProcess[] = [];
  let auth: string;
  let instanceId: number;
  let threadId: number;
  const env = {
    SWITCHBOARD_DATA_DIR: dir.path,
    SWITCHBOARD_MODE: 'development',
    SWITCHBOARD_SECRET_KEY: 'shared-by-all-nodes',
    SWITCHBOARD_PULL_SCHEDULER: 'off',
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
    integration = await startChannelbackIntegration();
    const account = await runCli(['accounts', 'create', '--subdomain', 'acme', '--json', '--database', database.url], {
      SWITCHBOARD_DATA_DIR: dir.path,
    });
    const { admin_email, api_token } = JSON.parse(account.stdout) as { admin_email: string; api_token: string };
    auth = 'Basic ' + Buffer.from(`${admin_email}/token:${api_token}`).toString('base64');
    // One after the other, with time to spare: a busy machine starts them slowly.
    for (let n = 0; n < 3; n++) nodes.push(await startServeProcess(database.url, env, 60_000));
    const registered = await admin('POST', '/channel_integrations', { manifest_url: integration.manifestUrl });
    expect(registered.status).toBe(201);
    const created = await admin('POST', '/instances', {
      integration_id: registered.json.integration.id,
      name: 'Killed sender',
      metadata: 'm',
      state: '',
    });
    instanceId = created.json.instance.id;
    integration.answerPulls(() => ({
      body: { external_resources: [resource('first', { author: { external_id: 'c' } })] },
    }));
    expect((await admin('POST', `/instances/${instanceId}/pull`)).status).toBe(200);
    threadId = (await admin('GET', `/instances/${instanceId}/threads`)).json.threads[0].id;
  }, 240_000);
  afterAll(async () => {
    await Promise.all(live().map((node) => node.stop('SIGKILL')));
    await integration?.close();
    await database?.drop();
    dir.remove();
  });

  it('sends the reply of a killed node within 15 s from another; every reply sent', async () => {
    const senders = new Map<ChannelbackSeen, number>();
    let held: ChannelbackSeen | undefined;
    let holding = false;
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    integration.answerChannelbacks((seen) => {
      senders.set(seen, pidOfClientPort(seen.remotePort, seen.localPort));
      if (holding && !held) {
        held = seen;
        return { body: { external_id: 'never-answered' }, hold };
      }
      return { body: { external_id: `sent-${seen.fields.request_unique_identifier}` } };
    });
    // Replies are written meanwhile, through the live nodes.
    const written: { id: number; rui: string }[] = [];
    let paused = false;
    /** The driver's request under way, if any. */
    let inFlight: ReturnType<typeof admin> | undefined;
    let stopped = false;
    const drive = (async () => {
      while (!stopped) {
        if (!paused) {
          inFlight = admin('POST', `/instances/${instanceId}/threads/${threadId}/replies`, {
            message: `reply ${written.length}`,
          });
          const created = await inFlight;
          expect(created.status).toBe(202);
          written.push({ id: created.json.reply.id, rui: created.json.reply.request_unique_identifier });
        }
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    try {
      await until(() => integration.channelbacks.length >= 10, 20_000, 'replies sent');
      holding = true;
      await until(() => held !== undefined, 20_000, 'a held send');
      const victimPid = senders.get(held!)!;
      const victim = nodes.find((node) => node.child.pid === victimPid)!;
      expect(victim).toBeDefined();
      // No reply is being written on the victim when it dies: every reply answered 202 is stored.
      paused = true;
      await inFlight;
      await victim.stop('SIGKILL');
      const killedAt = Date.now();
      paused = false;

      const rui = held!.fields.request_unique_identifier!;
      const again = () =>
        integration.channelbacks.find((seen) => seen !== held && seen.fields.request_unique_identifier === rui);
      await until(() => again() !== undefined, 20_000, 'the held reply sent again');
      expect(senders.get(again()!)).not.toBe(victimPid);
      const resumedIn = integration.channelbacks.indexOf(again()!);
      expect(resumedIn).toBeGreaterThan(integration.channelbacks.indexOf(held!));
      const resentAfter = Date.now() - killedAt;
      expect(resentAfter).toBeLessThanOrEqual(15_000);

      const target = written.length + 10;
      await until(() => written.length >= target, 20_000, 'more replies');
      stopped = true;
      await drive;
      await until(
        async () => {
          const shown = await Promise.all(
            written.map(({ id }) => admin('GET', `/instances/${instanceId}/replies/${id}`)),
          );
          return shown.every((reply) => reply.json.reply.status === 'sent');
        },
        20_000,
        'every reply sent',
      );
      // Sent at least once; more than once only what the dead node had in flight.
      const times = new Map<string, ChannelbackSeen[]>();
      for (const seen of integration.channelbacks) {
        const key = seen.fields.request_unique_identifier!;
        times.set(key, [...(times.get(key) ?? []), seen]);
      }
      for (const { rui: each } of written) expect(times.get(each)?.length ?? 0).toBeGreaterThanOrEqual(1);
      expect(times.get(rui)).toHaveLength(2);
      for (const sends of times.values()) {
        if (sends.length > 1) expect(senders.get(sends[0]!)).toBe(victimPid);
      }
    } finally {
      stopped = true;
      release();
      await drive.catch(() => undefined);
    }
  }, 90_000);
});
