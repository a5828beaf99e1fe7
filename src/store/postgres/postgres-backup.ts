import type pg from 'pg';
import {
  dataRecordTypes,
  sequencedRecordTypes,
  recordChars,
  zeroCounts,
  type BackupRecord,
  type DataRecord,
  type DataRecordType,
} from '../backup-records.js';
import { backupTables, postgresImportStatement, rowValues } from '../backup-tables.js';
import { exportRecords, exportSelects, type ExportSql } from '../export-records.js';
import type { ImportCounts } from '../store.js';
import { zisRegistrySql } from './zis-registry-queries.js';
import { sql } from './queries.js';

// Backup export and import for the PostgreSQL store, each on one connection the store
// hands over (and gets back, committed or rolled back).

/** Rows per insert: memory stays flat however large the store. */
const batchSize = 1000;
/** Also flush an insert batch at this much text (configs, manifests, metadata, payloads may be large). */
const batchChars = 8 * 1024 * 1024;

const exportSql: ExportSql = {
  selects: exportSelects({ ...sql, ...zisRegistrySql }),
  tableNames: sql.tableNames,
  sequenceOf: sql.sequenceOf,
};

/** Every record, from one REPEATABLE READ snapshot: consistent while other nodes write. */
export async function* exportPostgres(client: pg.PoolClient): AsyncGenerator<BackupRecord> {
  await client.query(sql.beginSnapshot);
  try {
    yield* exportRecords(async (text, params) => (await client.query(text, params)).rows, exportSql);
  } finally {
    // Read-only: ending the snapshot either way writes nothing.
    await client.query('ROLLBACK');
  }
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
