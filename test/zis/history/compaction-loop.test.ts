import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/settings.js';
import type { Store } from '../../../src/store/store.js';
import { startCompaction } from '../../../src/zis/history/compaction-loop.js';
import { testActor } from '../../helpers/actors.js';
import { storeKinds, type OpenedStore } from '../../helpers/stores.js';

const day = 86_400;
const start = 1_700_000_000;

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(storeKinds)('History retention on $name', (kind) => {
  let opened: OpenedStore;
  let store: Store;
  const key = { accountId: 3, integration: 'crm' };

  beforeAll(async () => {
    opened = await kind.open();
    store = opened.store;
  });
  afterAll(async () => opened.cleanup());

  const write = (scope: string, at: number, i: number) =>
    store.updateConfig(key, scope, {
      edit: { kind: 'replace', configJson: `{"i":${i}}` },
      nowSeconds: at,
      operation: 'merge',
      actor: testActor,
    });

  it('compacts in the background: revisions past retention go, the last N per scope stay', async () => {
    await store.createConfig(key, { scope: 'a', configJson: '{}', nowSeconds: start, actor: testActor });
    for (let i = 0; i < 20; i++) await write('a', start + i, i); // revisions 2..21, 40 days before "now"
    await write('a', start + 39 * day, 99); // 22: within retention
    let now = start + 40 * day;
    const reports: number[] = [];
    const loop = startCompaction({
      store,
      clock: () => new Date(now * 1000),
      retentionSeconds: 30 * day,
      keepPerScope: 3,
      batchSize: 4,
      intervalMs: 50,
      onCompacted: (report) => reports.push(report.deleted),
    });
    try {
      // A run raises the watermark, then deletes: wait for a whole run.
      await until(async () => (await store.revisionBounds(3)).oldest === 22 && reports.length > 0);
      const kept = (await store.listConfigRevisions(key, 'a', { limit: 100 })).map((r) => r.revision);
      expect(kept).toEqual([22, 21, 20]);
      expect(reports.reduce((a, b) => a + b, 0)).toBe(19);
      // Time passes: now the newest too is past retention, and the last three still stay.
      now += 60 * day;
      await until(async () => (await store.revisionBounds(3)).oldest === 23);
      expect((await store.listConfigRevisions(key, 'a', { limit: 100 })).map((r) => r.revision)).toEqual([22, 21, 20]);
    } finally {
      await loop.stop();
    }
  });

  it('never blocks or loses a write while it runs', async () => {
    const k = { accountId: 4, integration: 'crm' };
    for (const scope of ['x', 'y']) {
      await store.createConfig(k, { scope, configJson: '{}', nowSeconds: start, actor: testActor });
    }
    const loop = startCompaction({
      store,
      clock: () => new Date((start + 10 * day) * 1000),
      retentionSeconds: day,
      keepPerScope: 1,
      batchSize: 2,
      intervalMs: 1,
    });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          store.updateConfig(k, i % 2 ? 'x' : 'y', {
            edit: { kind: 'merge', patch: { [`k${i}`]: i }, maxBytes: 100_000 },
            nowSeconds: start + i,
            operation: 'merge',
            actor: testActor,
          }),
        ),
      );
      expect(outcomes.every((o) => o.kind === 'ok')).toBe(true);
    } finally {
      await loop.stop();
    }
    expect((await store.revisionBounds(4)).latest).toBe(62);
    const config = await store.getConfig(k, 'x');
    expect(Object.keys(JSON.parse(config!.configJson))).toHaveLength(30);
  });
});

describe('History settings', () => {
  it('is on by default, for 30 days and at least 10 revisions a scope', () => {
    expect(loadSettings({}).history).toEqual({
      enabled: true,
      compactor: true,
      retentionSeconds: 30 * day,
      keepPerScope: 10,
      compactionIntervalMs: 600_000,
      compactionBatchSize: 500,
    });
  });

  it('turns off with SWITCHBOARD_CONFIG_HISTORY=off, and refuses anything but on and off', () => {
    expect(loadSettings({ SWITCHBOARD_CONFIG_HISTORY: 'off' }).history.enabled).toBe(false);
    expect(() => loadSettings({ SWITCHBOARD_CONFIG_HISTORY: 'no' })).toThrow(/"on" or "off"/);
    expect(() => loadSettings({ SWITCHBOARD_HISTORY_KEEP_PER_SCOPE: '0' })).toThrow(/from 1/);
    expect(loadSettings({ SWITCHBOARD_HISTORY_RETENTION_S: '3600' }).history.retentionSeconds).toBe(3600);
  });
});
