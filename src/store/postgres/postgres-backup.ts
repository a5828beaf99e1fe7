import type pg from 'pg';
import {
  dataRecordTypes,
  pageAfter,
  pageStart,
  sequencedRecordTypes,
  recordChars,
  zeroCounts,
  type BackupRecord,
  type DataRecord,
  type DataRecordType,
  UncoveredDataError,
} from '../backup-records.js';
import { backupTables, notBackedUp, postgresImportStatement, rowValues } from '../backup-tables.js';
import type { ImportCounts } from '../store.js';
import { zisRegistrySql } from './zis-registry-queries.js';
import { sql } from './queries.js';

// Backup export and import for the PostgreSQL store, each on one connection the store
// hands over (and gets back, committed or rolled back).

/** Rows per query or insert: memory stays flat however large the store. */
const batchSize = 1000;
/** Also flush an insert batch at this much text (configs, manifests, metadata, payloads may be large). */
const batchChars = 8 * 1024 * 1024;

/** This store's export statement per record type (imports are built from the table map's columns). */
const selects: Record<DataRecordType, string> = {
  account: sql.exportAccounts,
  admin_token: sql.exportAdminTokens,
  integration: sql.exportIntegrations,
  access_token: sql.exportAccessTokens,
  config: sql.exportConfigs,
  channel_integration: sql.exportChannelIntegrations,
  instance: sql.exportInstances,
  pull: sql.exportPulls,
  thread: sql.exportThreads,
  resource: sql.exportResources,
  config_revision: sql.exportConfigRevisions,
  revision_counter: sql.exportRevisionCounters,
  revision_watermark: sql.exportRevisionWatermarks,
  reply: sql.exportReplies,
  event: sql.exportEvents,
  push_request: sql.exportPushRequests,
  zis_bundle: zisRegistrySql.exportBundles,
  zis_job_spec_install: zisRegistrySql.exportJobSpecInstalls,
  zis_connection: zisRegistrySql.exportConnections,
  zis_oauth_client: zisRegistrySql.exportOAuthClients,
};

/** Every record, from one REPEATABLE READ snapshot: consistent while other nodes write. */
export async function* exportPostgres(client: pg.PoolClient): AsyncGenerator<BackupRecord> {
  await client.query(sql.beginSnapshot);
  try {
    await refuseUncoveredData(client);
    const highest = new Map<DataRecordType, number>();
    for (const type of dataRecordTypes) {
      const select = selects[type];
      const { toFields } = backupTables[type];
      let after = pageStart(type);
      for (;;) {
        const { rows } = await client.query<Record<string, unknown>>(select, [...after, batchSize]);
        for (const row of rows) yield { type, ...(toFields ? toFields(row as never) : row) } as BackupRecord;
        if (rows.length > 0) after = pageAfter(type, rows.at(-1)!);
        if (rows.length < batchSize) break;
      }
      highest.set(type, after[0] as number);
    }
    for (const type of sequencedRecordTypes) {
      const { rows } = await client.query<{ lastId: number }>(sql.sequenceOf, [backupTables[type].name]);
      yield { type: 'sequence', recordType: type, lastId: Math.max(rows[0]!.lastId, highest.get(type)!) };
    }
  } finally {
    // Read-only: ending the snapshot either way writes nothing.
    await client.query('ROLLBACK');
  }
}

async function refuseUncoveredData(client: pg.PoolClient): Promise<void> {
  const covered = new Set(Object.values(backupTables).map((table) => table.name));
  const { rows } = await client.query<{ name: string }>(sql.tableNames);
  const uncovered: string[] = [];
  for (const { name } of rows) {
    if (covered.has(name) || notBackedUp.has(name)) continue;
    // Identifiers cannot be parameters; these names come from the database itself.
    const found = await client.query(`SELECT 1 FROM "${name.replace(/"/g, '""')}" LIMIT 1`);
    if (found.rowCount) uncovered.push(name);
  }
  if (uncovered.length > 0) throw new UncoveredDataError(uncovered.sort());
}

/**
 * All records inside the caller's transaction, a batch of rows per INSERT … unnest. The
 * tables are locked first, so the emptiness check holds until commit.
 */
export async function importPostgres(
  client: pg.PoolClient,
  records: AsyncIterable<BackupRecord>,
): Promise<ImportCounts | 'not_empty'> {
  await client.query(sql.lockForImport);
  const { rows } = await client.query<{ taken: boolean }>(sql.anyRecord);
  if (rows[0]!.taken) return 'not_empty';

  const counts = zeroCounts();
  const lastIds = new Map<DataRecordType, number>(dataRecordTypes.map((type) => [type, 0]));
  let batch: DataRecord[] = [];
  let chars = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch.map(rowValues);
    // unnest takes one array per column.
    const columns = values[0]!.map((_, i) => values.map((row) => row[i]));
    await client.query(postgresImportStatement(batch[0]!.type), columns);
    batch = [];
    chars = 0;
  };

  for await (const record of records) {
    counts[record.type] += 1;
    if (record.type === 'sequence') {
      lastIds.set(record.recordType, Math.max(lastIds.get(record.recordType)!, record.lastId));
      continue;
    }
    if (batch.length > 0 && batch[0]!.type !== record.type) await flush();
    batch.push(record);
    if ('id' in record) lastIds.set(record.type, Math.max(lastIds.get(record.type)!, record.id));
    chars += recordChars(record);
    if (batch.length >= batchSize || chars >= batchChars) await flush();
  }
  await flush();
  for (const type of sequencedRecordTypes) {
    await client.query(sql.setSequence, [backupTables[type].name, lastIds.get(type)]);
  }
  await client.query(sql.raiseRevisionCounters);
  await client.query(sql.restoreDeliveryKeys);
  return counts;
}
