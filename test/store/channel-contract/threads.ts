import { describe, expect, it } from 'vitest';
import type { ChannelStore } from '../../../src/store/channel-store.js';
import type { ChannelStoreKind } from '../../helpers/channel-stores.js';
import { opaqueTexts } from '../../helpers/opaque-texts.js';
import { A, B, T0, resource, useContractStore } from './fixtures.js';

/** What a good pull stores: resources in order, duplicates counted, threads keyed. */
export function threadsSuite(kind: ChannelStoreKind): void {
  describe('completePull, resources and threads', () => {
    let channels: ChannelStore;
    const { integration, instance, completion, claim } = useContractStore(kind, (opened) => {
      channels = opened.channels;
    });

    it('stores resources in order, counts duplicates within the batch and across pulls', async () => {
      const made = await instance(await integration());
      const first = await channels.completePull(
        completion(await claim(made), {
          resources: ['r1', 'r2', 'r1', 'r3', 'r4', 'r2'].map((id) => resource(id)),
        }),
      );
      expect(first).toEqual({
        id: expect.any(Number),
        instanceId: made.id,
        startedAt: T0 + 1000,
        durationMs: 250,
        outcome: 'ok',
        httpStatus: 200,
        resourcesStored: 4,
        duplicates: 2,
        stateConflict: false,
        error: null,
        deactivated: false,
      });
      const second = await channels.completePull(
        completion(await claim(made, T0 + 200_000), { resources: [resource('r3'), resource('r5'), resource('r1')] }),
      );
      expect(second).toMatchObject({ resourcesStored: 1, duplicates: 2 });

      const stored = await channels.listResources(A, made.id);
      expect(stored.map((r) => r.externalId)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
      expect(stored.map((r) => r.id)).toEqual([...stored.map((r) => r.id)].sort((a, b) => a - b));
      expect(stored[0]).toEqual({
        id: expect.any(Number),
        instanceId: made.id,
        threadId: expect.any(Number),
        externalId: 'r1',
        payloadJson: resource('r1').payloadJson,
        storedAt: T0 + 1250,
      });
      // The first copy is the one kept.
      expect(stored.every((r) => r.payloadJson === resource(r.externalId).payloadJson)).toBe(true);
    });

    it('keeps a large batch in order', async () => {
      const made = await instance(await integration());
      const ids = Array.from({ length: 256 }, (_, i) => `m-${(i * 7919) % 1000}`);
      const record = await channels.completePull(
        completion(await claim(made), { resources: ids.map((id, i) => resource(id, { threadId: `t${i % 5}` })) }),
      );
      expect(record.resourcesStored).toBe(256);
      expect((await channels.listResources(A, made.id)).map((r) => r.externalId)).toEqual(ids);
      const threads = await channels.listThreads(A, made.id);
      expect(threads.map((t) => [t.threadKey, t.resourceCount])).toEqual(
        [0, 1, 2, 3, 4].map((i) => [`t${i}`, 52 - (i > 0 ? 1 : 0)]),
      );
    });

    it('stores payloads byte for byte', async () => {
      const made = await instance(await integration());
      const payloads = Object.values(opaqueTexts).map((value, i) => ({
        ...resource(`p${i}`),
        payloadJson: JSON.stringify({ external_id: `p${i}`, message: value }),
      }));
      await channels.completePull(completion(await claim(made), { resources: payloads }));
      expect((await channels.listResources(A, made.id)).map((r) => r.payloadJson)).toEqual(
        payloads.map((p) => p.payloadJson),
      );
    });

    it('threads resources by thread_id, by parent_id, or by their own external id', async () => {
      const made = await instance(await integration());
      await channels.completePull(
        completion(await claim(made), {
          resources: [
            resource('a1'), // no links: a thread of its own, keyed a1
            resource('a2', { parentId: 'a1' }), // parent earlier in the batch: a1's thread
            resource('b1', { threadId: 'conv-b' }), // keyed conv-b
            resource('b2', { threadId: 'conv-b', parentId: 'a1' }), // thread_id wins over parent_id
            resource('c1', { parentId: 'unknown' }), // unknown parent: keyed c1
            resource('c2', { parentId: 'c3' }), // a parent coming later is unknown yet: keyed c2
            resource('c3'),
          ],
        }),
      );
      await channels.completePull(
        completion(await claim(made, T0 + 200_000), {
          resources: [
            resource('a3', { parentId: 'a2' }), // stored parent: its thread (a1's)
            resource('b3', { threadId: 'conv-b' }), // existing key: joins it
            resource('d1', { parentId: 'b1' }), // parent keyed by thread_id: that thread
            resource('a1'), // duplicate
          ],
          startedAt: T0 + 200_000,
        }),
      );
      const threads = await channels.listThreads(A, made.id);
      expect(threads.map((t) => [t.threadKey, t.resourceCount])).toEqual([
        ['a1', 3],
        ['conv-b', 4],
        ['c1', 1],
        ['c2', 1],
        ['c3', 1],
      ]);
      expect(threads[0]).toEqual({
        id: expect.any(Number),
        instanceId: made.id,
        threadKey: 'a1',
        resourceCount: 3,
        createdAt: T0 + 1250,
      });
      const byKey = new Map(threads.map((t) => [t.threadKey, t.id]));
      const inThread = async (key: string) =>
        (await channels.listResources(A, made.id, byKey.get(key))).map((r) => r.externalId);
      expect(await inThread('a1')).toEqual(['a1', 'a2', 'a3']);
      expect(await inThread('conv-b')).toEqual(['b1', 'b2', 'b3', 'd1']);
      expect(await inThread('c2')).toEqual(['c2']);
      expect(
        (await channels.listResources(A, made.id)).every((r) => r.threadId === byKey.get(threadOf(r.externalId))),
      ).toBe(true);

      // Another account sees none of it; another instance's thread id finds nothing here.
      expect(await channels.listThreads(B, made.id)).toEqual([]);
      expect(await channels.listResources(B, made.id)).toEqual([]);
      expect(await channels.listResources(B, made.id, byKey.get('a1'))).toEqual([]);
      const other = await instance(await integration());
      expect(await channels.listResources(A, other.id, byKey.get('a1'))).toEqual([]);

      function threadOf(externalId: string) {
        return (
          { a1: 'a1', a2: 'a1', a3: 'a1', b1: 'conv-b', b2: 'conv-b', b3: 'conv-b', d1: 'conv-b' }[externalId] ??
          externalId
        );
      }
    });

    it('keeps external ids and thread keys per instance', async () => {
      const on = await integration();
      const one = await instance(on);
      const two = await instance(on);
      for (const made of [one, two]) {
        const record = await channels.completePull(
          completion(await claim(made), { resources: [resource('same', { threadId: 'k' })] }),
        );
        expect(record).toMatchObject({ resourcesStored: 1, duplicates: 0 });
      }
      expect((await channels.listThreads(A, one.id))[0]!.id).not.toBe((await channels.listThreads(A, two.id))[0]!.id);
    });
  });
}
