import type { DataRecordType } from '../backup/backup-record.js';
import {
  toChannelIntegration,
  toInstance,
  toPull,
  toResource,
  toThread,
  type ChannelIntegrationRow,
  type InstanceRow,
  type PullRow,
  type ResourceRow,
  type ThreadRow,
} from './channel-rows.js';

/**
 * Which table each backup record type lives in, and how a selected row becomes the record's
 * fields (absent when the export query already names its columns as the record does).
 * Both stores use this; only their SQL differs.
 */
export const backupTables: Record<DataRecordType, { name: string; toFields?: (row: never) => object }> = {
  account: { name: 'accounts' },
  admin_token: { name: 'admin_tokens' },
  integration: { name: 'integrations' },
  access_token: { name: 'access_tokens' },
  config: { name: 'configs' },
  channel_integration: {
    name: 'channel_integrations',
    toFields: (row: ChannelIntegrationRow) => toChannelIntegration(row),
  },
  instance: { name: 'instances', toFields: (row: InstanceRow) => toInstance(row) },
  pull: { name: 'pulls', toFields: (row: PullRow) => toPull(row) },
  thread: { name: 'threads', toFields: (row: ThreadRow) => toThread(row) },
  resource: { name: 'resources', toFields: (row: ResourceRow) => toResource(row) },
};
