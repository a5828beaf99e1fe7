import { dataRecordTypes, perAccountRecordTypes, type RecordCounts, type RecordType } from '../store/backup-records.js';

const countNames: Record<RecordType, [one: string, many: string]> = {
  account: ['account', 'accounts'],
  admin_token: ['admin token', 'admin tokens'],
  integration: ['integration', 'integrations'],
  access_token: ['access token', 'access tokens'],
  config: ['config', 'configs'],
  channel_integration: ['channel integration', 'channel integrations'],
  instance: ['instance', 'instances'],
  pull: ['pull', 'pulls'],
  thread: ['thread', 'threads'],
  resource: ['resource', 'resources'],
  config_revision: ['config revision', 'config revisions'],
  revision_counter: ['revision counter', 'revision counters'],
  revision_watermark: ['revision watermark', 'revision watermarks'],
  reply: ['reply', 'replies'],
  event: ['event', 'events'],
  push_request: ['push request record', 'push request records'],
  zis_bundle: ['ZIS bundle version', 'ZIS bundle versions'],
  zis_job_spec_install: ['installed job spec', 'installed job specs'],
  zis_connection: ['ZIS connection', 'ZIS connections'],
  zis_oauth_client: ['ZIS OAuth client', 'ZIS OAuth clients'],
  sequence: ['sequence', 'sequences'],
};

/** `accounts, admin tokens, …, then sequences`: the types of a backup, in its order. */
export function typeListOf(types: readonly RecordType[]): string {
  const names = types.filter((type) => type !== 'sequence').map((type) => countNames[type][1]);
  return `${names.join(', ')}, then sequences`;
}

/** `2 accounts, 1 admin token, …` (the data only: sequences, revision counters and watermarks are bookkeeping). */
export function describeCounts(counts: RecordCounts): string {
  return dataRecordTypes
    .filter((type) => !perAccountRecordTypes.has(type))
    .map((type) => `${counts[type]} ${countNames[type][counts[type] === 1 ? 0 : 1]}`)
    .join(', ');
}
