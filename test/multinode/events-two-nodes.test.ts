import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventIntegration } from '../helpers/event-integration.js';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
// Long enough that a loaded machine renews in time (a late renewal cuts a call off: at-least-once).
const leaseMs = 5000;

/** How many times each event id arrived. */
const countIds = (events: Record<string, any>[]) => {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
  return counts;
};

/** Two `serve` processes on one PostgreSQL database, sharing the event outbox. */
describe.runIf(postgresAvailable)('event callbacks from two nodes on one PostgreSQL database', () => {
  const dir = tempDir();
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  let a: ServeProcess | undefined;
  let b: ServeProcess | undefined;
  let auth: string;
  const env = {
    SWITCHBOARD_DATA_DIR: dir.path,
    // Development mode: the integration is plain http on loopback, which production refuses.
    SWITCHBOARD_MODE: 'development',
    SWITCHBOARD_PULL_SCHEDULER: 'off',
    SWITCHBOARD_EVENTS_POLL_MS: '50',
    SWITCHBOARD_EVENTS_BATCH_SIZE: '5',
    SWITCHBOARD_EVENTS_LEASE_MS: String(leaseMs),
    LOG_LEVEL: 'warn',
  };
  const admin = (node: ServeProcess, method: string, path: string, body?: unknown) =>
    call(node.baseUrl, method, `${api}${path}`, { auth, body });

  beforeAll(async () => {
    schema = await createPostgresSchema();
    // One after the other: the first creates the development credentials.
    a = await startServeProcess(schema.url, env);
    b = await startServeProcess(schema.url, env);
    const account = await runCli(['accounts', 'create', '--subdomain', 'acme', '--json', '--database', schema.url]);
    expect(account.code).toBe(0);
    const { admin_email: email, api_token: token } = JSON.parse(account.stdout);
    auth = 'Basic ' + Buffer.from(`${email}/token:${token}`).toString('base64');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await schema?.drop();
    dir.remove();
  });

  it('delivers each event once while both nodes live', async () => {
    const integrations = await Promise.all(Array.from({ length: 4 }, () => startEventIntegration()));
    try {
      let expected = 0;
      for (const [i, integration] of integrations.entries()) {
        const node = i % 2 ? a! : b!;
        const registered = await admin(node, 'POST', '/channel_integrations', {
          manifest_url: integration.manifestUrl,
        });
        expect(registered.status, registered.text).toBe(201);
        expected++;
        // Instances created through both nodes at once.
        const created = await Promise.all(
          Array.from({ length: 12 }, (_, j) =>
            admin(j % 2 ? a! : b!, 'POST', '/instances', {
              integration_id: registered.json.integration.id,
              name: `i${j}`,
            }),
          ),
        );
        expect(created.every((response) => response.status === 201)).toBe(true);
        expected += created.length;
      }
      for (const integration of integrations) await integration.waitFor((got) => got.length >= 13);
      // Time for a stray second delivery to show up, were there one.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const all = integrations.flatMap((integration) => integration.received());
      expect(all).toHaveLength(expected);
      expect([...countIds(all).values()].every((count) => count === 1)).toBe(true);
      // Order holds per instance; concurrent instances' events may come in commit order, not id order.
      for (const integration of integrations) expect(integration.received()[0]!.type_id).toBe('create_integration');
    } finally {
      for (const integration of integrations) await integration.close();
    }
  });

  it('hands the batch of a node killed mid-delivery over when its lease expires; only that batch comes twice', async () => {
    // Only node A delivers at first, so we know who holds the batch.
    await b!.stop();
    b = undefined;
    const integration = await startEventIntegration();
    let release: (status: number) => void = () => undefined;
    let first = true;
    integration.answerEvents(() => {
      if (!first) return { status: 200 };
      first = false;
      return { hold: new Promise<number>((resolve) => (release = resolve)) };
    });
    try {
      const registered = await admin(a!, 'POST', '/channel_integrations', { manifest_url: integration.manifestUrl });
      expect(registered.status).toBe(201);
      const [held] = await integration.waitFor((got) => got.length >= 1);
      // The rest queue behind the held batch: one integration's events go out in order.
      for (let j = 0; j < 7; j++) {
        await admin(a!, 'POST', '/instances', { integration_id: registered.json.integration.id, name: `k${j}` });
      }
      b = await startServeProcess(schema.url, env);
      const heldAt = integration.deliveries[0]!.at;
      await a!.stop('SIGKILL');
      a = undefined;
      const events = await integration.waitFor((got) => got.length >= 9, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const counts = countIds(integration.received());
      expect(counts.get(held!.id)).toBe(2);
      expect([...counts.entries()].filter(([, count]) => count !== 1).map(([id]) => id)).toEqual([held!.id]);
      expect(counts.size).toBe(8);
      // Taken over only once the lease ran out, then in order.
      expect(integration.deliveries[1]!.at - heldAt).toBeGreaterThanOrEqual(leaseMs - 250);
      const redelivered = events.slice(1).map((event) => Number(event.id));
      expect([...redelivered].sort((x, y) => x - y)).toEqual(redelivered);
    } finally {
      release(200);
      await integration.close();
    }
  });
});
