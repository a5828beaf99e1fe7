import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeProfiles } from '../../helpers/stores.js';
import { changesPath, openFeedFixture } from './feed-fixture.js';
import { openSse } from './sse-client.js';

type Fixture = Awaited<ReturnType<typeof openFeedFixture>>;

const writes = 1000;
const reconnects = 100;

describe.each(storeProfiles)('resuming the change stream on $name', (kind) => {
  let f: Fixture;

  beforeAll(async () => {
    f = await openFeedFixture(kind);
  });
  afterAll(async () => f.close());

  it(`loses and repeats nothing across ${reconnects} dropped connections during ${writes} writes`, async () => {
    for (let scope = 0; scope < 10; scope++) expect(await f.write(`resume/${scope}`, { n: -1 })).toBe(201);
    const start = (await f.req('GET', changesPath())).json.next_since;
    // Four writers at once over ten scopes: revisions commit interleaved, as in production.
    // They keep pace with the reader, so that every reconnection happens while writes go on.
    let written = 0;
    let connections = 0;
    let connectionsWhileWriting = 0;
    const writer = async () => {
      while (written < writes) {
        if (written * reconnects > connections * writes) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          continue;
        }
        const n = written++;
        expect(await f.write(`resume/${n % 10}`, { n })).toBe(200);
      }
    };
    const writing = Promise.all([writer(), writer(), writer(), writer()]);

    const seen: number[] = [];
    let last = start;
    const url = `${f.server.baseUrl}${changesPath()}?since=${start}&filter[scope]=resume/*`;
    const writesDone = writing.then(() => true);
    let done = false;
    void writesDone.then(() => (done = true));
    // Reconnect after a few events each time (or a short wait), as a client on a flaky network.
    while (connections < reconnects || !done || seen.length < writes) {
      const stream = await openSse(url, {
        authorization: `Bearer ${f.token}`,
        ...(connections > 0 ? { 'last-event-id': String(last) } : {}),
      });
      expect(stream.status).toBe(200);
      connections++;
      if (!done) connectionsWhileWriting++;
      const want = 1 + (connections % 7);
      await stream.waitForEvents(want, 30).catch(() => undefined);
      // Dropped mid-stream: what arrived counts, anything in flight is lost with the connection.
      stream.close();
      for (const event of stream.events) seen.push(event.id);
      last = stream.lastId() ?? last;
      if (connections > 20 * reconnects) break;
    }
    await writing;

    const truth = await f.opened.store.listConfigChanges(
      { accountId: f.tenant.accountId, integration: 'feed' },
      { pattern: ['resume/', ''], sinceRevision: start, limit: 2 * writes },
    );
    expect(truth).toHaveLength(writes);
    expect(connectionsWhileWriting).toBeGreaterThanOrEqual(reconnects);
    expect(seen).toEqual(truth.map((change) => change.revision));
    await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(0);
  }, 120_000);
});
