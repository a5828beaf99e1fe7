import type { Database } from 'better-sqlite3';
import {
  dataRecordTypes,
  pageAfter,
  pageStart,
  perAccountRecordTypes,
  sequencedRecordTypes,
  zeroCounts,
  type BackupRecord,
  type DataRecordType,
  UncoveredDataError,
} from '../backup-records.js';
import { backupTables, notBackedUp, sqliteImportStatement, rowValues } from '../backup-tables.js';
import type { ImportCounts } from '../store.js';
import { zisRegistrySql } from './zis-registry-queries.js';
import { sql } from './queries.js';

// Backup export and import for the SQLite store. The store holds its group commit while
// these run, so they have the connection, and its transaction, to themselves.

/** Rows read per query: memory stays flat however large the store. */
const batchSize = 1000;

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

/** Every record, read in one transaction: a consistent snapshot even while others write (WAL). */
export async function* exportSqlite(db: Database): AsyncGenerator<BackupRecord> {
  db.exec('BEGIN');
  try {
    refuseUncoveredData(db);
    const highest = new Map<DataRecordType, number>();
    for (const type of dataRecordTypes) {
      const text = selects[type];
      const { toFields } = backupTables[type];
      const select = db.prepare(text);
      let after = pageStart(type);
      for (;;) {
        const rows = select.all(...after, batchSize) as Record<string, unknown>[];
        for (const row of rows) yield { type, ...(toFields ? toFields(row as never) : row) } as BackupRecord;
        if (rows.length > 0) after = pageAfter(type, rows.at(-1)!);
        if (rows.length < batchSize) break;
      }
      highest.set(type, after[0] as number);
    }
    const sequence = db.prepare(sql.sequenceOf).pluck();
    for (const type of sequencedRecordTypes) {
      const seq = (sequence.get(backupTables[type].name) as number | undefined) ?? 0;
      yield { type: 'sequence', recordType: type, lastId: Math.max(seq, highest.get(type)!) };
    }
  } finally {
    // Read-only: ending the snapshot either way writes nothing.
    if (db.inTransaction) db.exec('COMMIT');
  }
}

function refuseUncoveredData(db: Database): void {
  const covered = new Set(Object.values(backupTables).map((table) => table.name));
  const names = db.prepare(sql.tableNames).pluck().all() as string[];
  // Identifiers cannot be parameters; these names come from the database itself.
  const uncovered = names.filter(
    (name) =>
      !covered.has(name) &&
      !notBackedUp.has(name) &&
      db
        .prepare(`SELECT EXISTS (SELECT 1 FROM "${name.replace(/"/g, '""')}")`)
        .pluck()
        .get(),
  );
  if (uncovered.length > 0) throw new UncoveredDataError(uncovered.sort());
}

/** SQLite has no booleans: flags are bound as 1 and 0. */
const bindable = (value: unknown) => (typeof value === 'boolean' ? Number(value) : value);

/** All records in one IMMEDIATE transaction: committed whole, or rolled back if anything throws. */
export async function importSqlite(
  db: Database,
  records: AsyncIterable<BackupRecord>,
): Promise<ImportCounts | 'not_empty'> {
  db.exec('BEGIN IMMEDIATE');
  try {
    if (db.prepare(sql.anyRecord).pluck().get()) {
      db.exec('ROLLBACK');
      return 'not_empty';
    }
    const inserts = new Map(dataRecordTypes.map((type) => [type, db.prepare(sqliteImportStatement(type))]));
    const raiseSequence = db.prepare(sql.raiseSequence);
    const insertSequence = db.prepare(sql.insertSequence);
    const counts = zeroCounts();
    for await (const record of records) {
      counts[record.type] += 1;
      if (record.type !== 'sequence') {
        inserts.get(record.type)!.run(...rowValues(record).map(bindable));
      } else if (record.lastId > 0 && !perAccountRecordTypes.has(record.recordType)) {
        const name = backupTables[record.recordType].name;
        if (raiseSequence.run(record.lastId, name).changes === 0) insertSequence.run(name, record.lastId);
      }
    }
    db.prepare(sql.raiseRevisionCounters).run();
    db.prepare(sql.restoreDeliveryKeys).run();
    db.exec('COMMIT');
    return counts;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
