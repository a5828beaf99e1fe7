import { describe, expect, it } from 'vitest';
import type { ChannelStore } from '../../../src/store/channel-store.js';
import type { ChannelStoreKind } from '../../helpers/channel-stores.js';
import { countRows, execSql, rowsOf } from '../../helpers/raw-sql.js';
import { A, T0, resource, useContractStore } from './fixtures.js';

/** Deleting an instance or an integration removes everything under it. */
export function deletingSuite(kind: ChannelStoreKind): void {
  describe('deleting', () => {
    let channels: ChannelStore;
    let url: string;
    const { integration, instance, completion, claim } = useContractStore(kind, (opened) => {
      channels = opened.channels;
      url = opened.url;
    });

    /** An integration with an instance that has pulls, threads, resources and a hand-off. */
    async function populated() {
      const on = await integration();
      const made = await instance(on);
      await channels.completePull(
        completion(await claim(made), { resources: [resource('r1'), resource('r2', { parentId: 'r1' })] }),
      );
      await channels.createHandoff({
        tokenHash: `ho-del-${made.id}`,
        accountId: A,
        integrationId: on.id,
        instanceId: made.id,
        instancePushId: made.instancePushId,
        pushTokenHash: 'h',
        expiresAt: T0 + 600_000,
        nowMs: T0,
      });
      return { on, made };
    }
    const remaining = async (instanceId: number) =>
      Promise.all(
        ['pulls', 'threads', 'resources', 'admin_ui_handoffs'].map((table) =>
          countRows(url, table, `instance_id = ${instanceId}`),
        ),
      );

    it('removes an instance with its pulls, threads, resources and hand-offs', async () => {
      const { made } = await populated();
      expect(await remaining(made.id)).toEqual([1, 1, 2, 1]);
      expect(await channels.deleteInstance(A, made.id)).toBe(true);
      expect(await remaining(made.id)).toEqual([0, 0, 0, 0]);
    });

    // PostgreSQL's cascade is a trigger (migration 0027): it finds the tables of its own
    // schema. SQLite has no search_path, so the test is PostgreSQL's alone.
    if (kind.dialect === 'postgres') {
      it('removes them too when the delete comes from a session whose search_path is elsewhere', async () => {
        const { made } = await populated();
        const [{ schema }] = (await rowsOf<{ schema: string }>(url, 'SELECT current_schema() AS schema')) as [
          { schema: string },
        ];
        await execSql(
          url,
          `BEGIN; SET LOCAL search_path TO pg_catalog; DELETE FROM "${schema}".instances WHERE id = ${made.id}; COMMIT`,
        );
        expect(await remaining(made.id)).toEqual([0, 0, 0, 0]);
      });
    }

    it('removes an integration with its instances and everything under them', async () => {
      const { on, made } = await populated();
      const sibling = await instance(on);
      expect(await channels.deleteIntegration(A, on.id)).toBe(true);
      expect(await channels.getInstance(A, made.id)).toBeUndefined();
      expect(await channels.getInstance(A, sibling.id)).toBeUndefined();
      expect(await channels.findInstanceByPushId(made.instancePushId)).toBeUndefined();
      expect(await remaining(made.id)).toEqual([0, 0, 0, 0]);
      expect(await countRows(url, 'admin_ui_handoffs', `integration_id = ${on.id}`)).toBe(0);
      expect(await channels.consumeHandoff(`ho-del-${made.id}`, T0)).toBeUndefined();
    });
  });
}
