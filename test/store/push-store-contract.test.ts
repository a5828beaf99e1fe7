import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelStore, Instance } from '../../src/store/channel-store.js';
import { NulCharacterError } from '../../src/store/nul-guard.js';
import { openStore } from '../../src/store/open-store.js';
import type { PushCompletion, PushEntry } from '../../src/store/push-records.js';
import { pushBodyHash } from '../../src/store/push-rules.js';
import type { Store } from '../../src/store/store.js';
import { execSql } from '../helpers/raw-sql.js';
import { storeProfiles, type OpenedStore } from '../helpers/stores.js';

/** Epoch milliseconds. */
const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const A = 1;

const entry = (externalId: string, links: { parentId?: string; threadId?: string } = {}): PushEntry => ({
  ok: true,
  externalId,
  parentId: links.parentId ?? null,
  threadId: links.threadId ?? null,
  payloadJson: JSON.stringify({ external_id: externalId, message: `message ${externalId}` }),
});
const invalid = (externalId: string): PushEntry => ({ ok: false, externalId, problem: 'message: is required' });
const codesOf = (outcome: Awaited<ReturnType<ChannelStore['completePush']>>) =>
  'results' in outcome ? outcome.results.map((result) => result.code) : outcome.kind;

/** Sets an instance's idempotency records back to how rows written before migration 0020 look: no body hash. */
async function forgetBodyHashes(url: string, instanceId: number): Promise<void> {
  await execSql(url, `UPDATE push_requests SET body_hash = NULL WHERE instance_id = ${Number(instanceId)}`);
}

/** ChannelStore.completePush on every store kind, through `store.channels`. */
describe.each(storeProfiles)('push store contract on $name', (kind) => {
  let opened: OpenedStore;
  let channels: ChannelStore;
  let integrationId: number;
  const others: Store[] = [];
  let n = 0;

  const instance = () =>
    channels.createInstance({
      accountId: A,
      integrationId,
      name: `instance ${++n}`,
      metadata: '',
      state: '',
      instancePushId: `push-${n}-${Math.random()}`,
      pushTokenHash: `hash-${n}`,
      nowMs: T0,
    });
  /** A push of `entries`, whose body hash is theirs unless `fields` says otherwise. */
  const pushTo = (of: Instance, fields: Partial<PushCompletion>, store = channels) =>
    store.completePush({
      instanceId: of.id,
      requestId: null,
      entries: [],
      bodyHash: pushBodyHash(fields.entries ?? []),
      nowMs: T0,
      purgeBefore: T0 - 24 * HOUR,
      ...fields,
    });
  const storedIds = async (of: Instance) => (await channels.listResources(A, of.id)).map((r) => r.externalId);

  beforeAll(async () => {
    opened = await kind.open();
    channels = opened.store.channels;
    await opened.store.createAccount({
      id: A,
      subdomain: 'acme',
      adminEmail: 'a@x',
      adminTokenHash: 'h',
      nowSeconds: 1,
    });
    const created = await channels.createIntegration({
      accountId: A,
      remoteId: 'com.example.chat',
      name: 'Chat',
      manifestUrl: 'https://chat.example/manifest.json',
      manifestJson: JSON.stringify({
        name: 'Chat',
        id: 'com.example.chat',
        urls: { admin_ui: { href: 'https://x/a' } },
      }),
      nowMs: T0,
    });
    integrationId = created.id;
  });
  afterAll(async () => {
    for (const other of others) await other.close();
    await opened?.cleanup();
  });

  it('stores successes threaded like a pull, and halts after the first failure', async () => {
    const of = await instance();
    const outcome = await pushTo(of, {
      entries: [
        entry('a'),
        entry('b', { parentId: 'a' }),
        entry('a'),
        entry('c', { threadId: 'chat' }),
        entry('d', { parentId: 'nowhere' }),
        entry('e'),
        invalid('f'),
      ],
    });
    expect(outcome.kind).toBe('processed');
    expect(codesOf(outcome)).toEqual([
      'success',
      'success',
      'already_imported',
      'success',
      'could_not_locate_parent_external_resource',
      'halted',
      'halted',
    ]);
    expect(await storedIds(of)).toEqual(['a', 'b', 'c']);
    const threads = await channels.listThreads(A, of.id);
    expect(threads.map((t) => [t.threadKey, t.resourceCount])).toEqual([
      ['a', 2],
      ['chat', 1],
    ]);
    // A later push joins stored threads by parent and by thread id.
    const later = await pushTo(of, { entries: [entry('g', { parentId: 'b' }), entry('h', { threadId: 'chat' })] });
    expect(codesOf(later)).toEqual(['success', 'success']);
    expect((await channels.listThreads(A, of.id)).map((t) => t.resourceCount)).toEqual([3, 2]);
  });

  it('stops at an invalid resource, which stores nothing', async () => {
    const of = await instance();
    expect(codesOf(await pushTo(of, { entries: [invalid('x'), entry('y')] }))).toEqual(['processing_error', 'halted']);
    expect(await storedIds(of)).toEqual([]);
  });

  it('replays a request id with its stored results for the same body, writing nothing, per instance', async () => {
    const of = await instance();
    const entries = [entry('p1'), entry('p2', { parentId: 'ghost' })];
    const first = await pushTo(of, { requestId: 'r', entries });
    expect(first).toEqual({
      kind: 'processed',
      results: [
        { externalId: 'p1', code: 'success', description: 'stored' },
        expect.objectContaining({ externalId: 'p2', code: 'could_not_locate_parent_external_resource' }),
      ],
    });
    const again = await pushTo(of, { requestId: 'r', entries, nowMs: T0 + HOUR });
    expect(again).toEqual({ kind: 'replayed', results: (first as { results: unknown }).results });
    expect(await storedIds(of)).toEqual(['p1']);
    // The same request id on another instance is another push.
    const neighbour = await instance();
    expect(codesOf(await pushTo(neighbour, { requestId: 'r', entries: [entry('p1')] }))).toEqual(['success']);
  });

  it('refuses a request id taken by another body as a conflict, writing nothing', async () => {
    const of = await instance();
    const first = await pushTo(of, { requestId: 'taken', entries: [entry('c1')] });
    expect(codesOf(first)).toEqual(['success']);
    expect(await pushTo(of, { requestId: 'taken', entries: [entry('c2')] })).toEqual({ kind: 'conflict' });
    expect(await storedIds(of)).toEqual(['c1']);
    // Still a conflict once the instance is deactivated; the same body still replays.
    await channels.updateInstance(A, of.id, { active: false, nowMs: T0 });
    expect(await pushTo(of, { requestId: 'taken', entries: [entry('c2')] })).toEqual({ kind: 'conflict' });
    expect(await pushTo(of, { requestId: 'taken', entries: [entry('c1')] })).toEqual({
      kind: 'replayed',
      results: (first as { results: unknown }).results,
    });
    await channels.updateInstance(A, of.id, { active: true, nowMs: T0 });
  });

  it('treats a record kept without a body hash (written before hashes were kept) as the same body', async () => {
    const of = await instance();
    const first = await pushTo(of, { requestId: 'old-row', entries: [entry('h1')] });
    await forgetBodyHashes(opened.url, of.id);
    expect(await pushTo(of, { requestId: 'old-row', entries: [entry('h2')] })).toEqual({
      kind: 'replayed',
      results: (first as { results: unknown }).results,
    });
    expect(await storedIds(of)).toEqual(['h1']);
  });

  it('keeps results 24 hours, then purges them by the time passed in', async () => {
    const of = await instance();
    await pushTo(of, { requestId: 'old', entries: [entry('o1')], nowMs: T0 });
    const within = await pushTo(of, {
      requestId: 'old',
      entries: [entry('o1')],
      nowMs: T0 + 23 * HOUR,
      purgeBefore: T0 - HOUR,
    });
    expect(within.kind).toBe('replayed');
    // A day later any push purges it; the request id is then new, and its resource a duplicate.
    await pushTo(of, { entries: [], nowMs: T0 + 25 * HOUR, purgeBefore: T0 + HOUR });
    const after = await pushTo(of, { requestId: 'old', entries: [entry('o1')], nowMs: T0 + 25 * HOUR });
    expect(after.kind).toBe('processed');
    expect(codesOf(after)).toEqual(['already_imported']);
  });

  it('processes one of many concurrent copies, from separate store objects, and replays it to the rest', async () => {
    const of = await instance();
    const stores = [channels];
    for (let i = 0; i < 3; i++) {
      const other = await openStore(opened.url);
      others.push(other);
      await other.migrate();
      stores.push(other.channels);
    }
    const entries = Array.from({ length: 50 }, (_, i) => entry(`k${i}`, i === 0 ? {} : { parentId: 'k0' }));
    const outcomes = await Promise.all(
      [...stores, ...stores].map((store) => pushTo(of, { requestId: 'same', entries }, store)),
    );
    expect(outcomes.filter((o) => o.kind === 'processed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'replayed')).toHaveLength(7);
    for (const outcome of outcomes) expect(codesOf(outcome)).toEqual(Array(50).fill('success'));
    expect(await storedIds(of)).toHaveLength(50);
    expect((await channels.listThreads(A, of.id)).map((t) => t.resourceCount)).toEqual([50]);
  });

  it('answers concurrent copies with two bodies: one processed, its copies replayed, the other body a conflict', async () => {
    const of = await instance();
    const stores = [channels];
    for (let i = 0; i < 2; i++) {
      const other = await openStore(opened.url);
      others.push(other);
      await other.migrate();
      stores.push(other.channels);
    }
    const bodies = [[entry('x1')], [entry('x2')]];
    const outcomes = await Promise.all(
      stores.flatMap((store) => bodies.map((entries) => pushTo(of, { requestId: 'split', entries }, store))),
    );
    const processed = outcomes.filter((o) => o.kind === 'processed');
    expect(processed).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'replayed')).toHaveLength(stores.length - 1);
    expect(outcomes.filter((o) => o.kind === 'conflict')).toHaveLength(stores.length);
    const stored = await storedIds(of);
    expect(stored).toHaveLength(1);
    expect(['x1', 'x2']).toContain(stored[0]);
  });

  it('stores nothing for an inactive or missing instance', async () => {
    const of = await instance();
    await channels.updateInstance(A, of.id, { active: false, nowMs: T0 });
    expect(await pushTo(of, { requestId: 'off', entries: [entry('z')] })).toEqual({ kind: 'inactive' });
    expect(await storedIds(of)).toEqual([]);
    await channels.updateInstance(A, of.id, { active: true, nowMs: T0 });
    expect(codesOf(await pushTo(of, { requestId: 'off', entries: [entry('z')] }))).toEqual(['success']);
    expect(
      await channels.completePush({
        instanceId: 999_999,
        requestId: null,
        entries: [],
        bodyHash: pushBodyHash([]),
        nowMs: T0,
        purgeBefore: 0,
      }),
    ).toEqual({
      kind: 'not_found',
    });
  });

  it('still replays a push processed before the instance was deactivated', async () => {
    const of = await instance();
    const first = await pushTo(of, { requestId: 'before-off', entries: [entry('b1')] });
    await channels.updateInstance(A, of.id, { active: false, nowMs: T0 });
    expect(await pushTo(of, { requestId: 'before-off', entries: [entry('b1')] })).toEqual({
      kind: 'replayed',
      results: (first as { results: unknown }).results,
    });
    expect(await pushTo(of, { requestId: 'after-off', entries: [entry('b3')] })).toEqual({ kind: 'inactive' });
    expect(await storedIds(of)).toEqual(['b1']);
  });

  it('refuses U+0000 before writing, on both stores alike', async () => {
    const of = await instance();
    await expect(pushTo(of, { requestId: 'n\u0000l', entries: [entry('q')] })).rejects.toBeInstanceOf(
      NulCharacterError,
    );
    expect(await storedIds(of)).toEqual([]);
  });
});
