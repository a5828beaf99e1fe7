import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannelbackIntegration, type ChannelbackSeen } from '../helpers/channelback-integration.js';
import { resource } from '../helpers/fake-integration.js';
import { pidOfClientPort, until } from '../helpers/node-kill.js';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
/**
 * Short, for a quick handover, yet long enough that a renewal delayed on a loaded machine
 * keeps it: a node that cannot renew within about half a lease cuts its sends off.
 */
const leaseMs = 5000;

/** Two `serve` processes, each running the reply sender, on one PostgreSQL database. */
describe.runIf(postgresAvailable)('channelback with two nodes on one PostgreSQL database', () => {
  const dir = tempDir();
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  let integration: Awaited<ReturnType<typeof startChannelbackIntegration>>;
  let nodes: ServeProcess[] = [];
  let auth: string;
  let instanceId: number;
  let threadId: number;
  const env = {
    SWITCHBOARD_DATA_DIR: dir.path,
    // Development: the integration is plain http on loopback.
    SWITCHBOARD_MODE: 'development',
    SWITCHBOARD_SECRET_KEY: 'shared-by-both-nodes',
    SWITCHBOARD_PULL_SCHEDULER: 'off',
    SWITCHBOARD_CHANNELBACK_LEASE_MS: String(leaseMs),
    LOG_LEVEL: 'warn',
  };
  const reply = (node: ServeProcess, message: string) =>
    call(node.baseUrl, 'POST', `${api}/instances/${instanceId}/threads/${threadId}/replies`, {
      auth,
      body: { message },
    });
  const show = (node: ServeProcess, id: number) =>
    call(node.baseUrl, 'GET', `${api}/instances/${instanceId}/replies/${id}`, { auth });

  beforeAll(async () => {
    schema = await createPostgresSchema();
    integration = await startChannelbackIntegration();
    nodes = await Promise.all([startServeProcess(schema.url, env), startServeProcess(schema.url, env)]);
    const account = await runCli(['accounts', 'create', '--subdomain', 'acme', '--json', '--database', schema.url]);
    const { admin_email, api_token } = JSON.parse(account.stdout) as { admin_email: string; api_token: string };
    auth = 'Basic ' + Buffer.from(`${admin_email}/token:${api_token}`).toString('base64');
    const [a] = nodes;
    const registered = await call(a!.baseUrl, 'POST', `${api}/channel_integrations`, {
      auth,
      body: { manifest_url: integration.manifestUrl },
    });
    expect(registered.status).toBe(201);
    const created = await call(a!.baseUrl, 'POST', `${api}/instances`, {
      auth,
      body: { integration_id: registered.json.integration.id, name: 'Two nodes', metadata: 'm', state: '' },
    });
    instanceId = created.json.instance.id;
    integration.answerPulls(() => ({
      body: { external_resources: [resource('first', { author: { external_id: 'c' } })] },
    }));
    await call(a!.baseUrl, 'POST', `${api}/instances/${instanceId}/pull`, { auth });
    threadId = (await call(a!.baseUrl, 'GET', `${api}/instances/${instanceId}/threads`, { auth })).json.threads[0].id;
  });
  afterAll(async () => {
    await Promise.all(nodes.map((node) => (node.child.exitCode === null ? node.stop('SIGKILL') : undefined)));
    await integration?.close();
    await schema?.drop();
    dir.remove();
  });

  it('sends each reply exactly once while both nodes live', async () => {
    let counter = 0;
    integration.answerChannelbacks(async () => {
      // A little work, so both nodes have sends in flight at once.
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { body: { external_id: `once-${++counter}` } };
    });
    const before = integration.channelbacks.length;
    const created = await Promise.all(Array.from({ length: 60 }, (_, i) => reply(nodes[i % 2]!, `reply ${i}`)));
    expect(created.map((r) => r.status)).toEqual(Array(60).fill(202));
    const ids = created.map((r) => r.json.reply.id as number);
    await until(
      async () => {
        const shown = await Promise.all(ids.map((id) => show(nodes[0]!, id)));
        return shown.every((r) => r.json.reply.status === 'sent');
      },
      15_000,
      'every reply to be sent',
    );
    const seen = integration.channelbacks.slice(before);
    const byRui = new Map<string, number>();
    for (const c of seen)
      byRui.set(c.fields.request_unique_identifier!, (byRui.get(c.fields.request_unique_identifier!) ?? 0) + 1);
    expect(seen).toHaveLength(60);
    expect([...byRui.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(created.map((r) => r.json.reply.request_unique_identifier))).toEqual(new Set(byRui.keys()));
  });

  it('hands over only the reply a killed node had in flight, with the same request_unique_identifier', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let heldSeen: ChannelbackSeen | undefined;
    integration.answerChannelbacks((seen) => {
      if (seen.fields.message === 'hold me' && !heldSeen) {
        heldSeen = seen;
        return { body: { external_id: 'never-answered' }, hold: held };
      }
      return { body: { external_id: `after-${seen.fields.request_unique_identifier}` } };
    });
    const before = integration.channelbacks.length;
    const holdMe = await reply(nodes[0]!, 'hold me');
    await until(() => heldSeen !== undefined, 5000, 'the held channelback');
    // Other replies keep flowing while one is held.
    const others = await Promise.all([reply(nodes[0]!, 'other 1'), reply(nodes[1]!, 'other 2')]);
    await until(() => integration.channelbacks.length >= before + 3, 5000, 'the other replies');

    const holder = pidOfClientPort(heldSeen!.remotePort, heldSeen!.localPort);
    const victim = nodes.find((node) => node.child.pid === holder)!;
    const survivor = nodes.find((node) => node !== victim)!;
    expect(victim).toBeDefined();
    await victim.stop('SIGKILL');
    const killedAt = Date.now();

    await until(
      async () => (await show(survivor, holdMe.json.reply.id)).json.reply.status === 'sent',
      10_000,
      'takeover',
    );
    // Not before the lease ran out.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(leaseMs - 500);
    const shown = (await show(survivor, holdMe.json.reply.id)).json.reply;
    expect(shown).toMatchObject({ status: 'sent', attempts: 2 });
    release();

    await new Promise((resolve) => setTimeout(resolve, leaseMs + 500));
    const rui = holdMe.json.reply.request_unique_identifier;
    const seen = integration.channelbacks.slice(before);
    expect(seen.filter((c) => c.fields.request_unique_identifier === rui)).toHaveLength(2);
    for (const other of others) {
      const otherRui = other.json.reply.request_unique_identifier;
      expect(seen.filter((c) => c.fields.request_unique_identifier === otherRui)).toHaveLength(1);
    }
    expect(seen).toHaveLength(4);
  });
});
