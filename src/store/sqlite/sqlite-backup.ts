import type { Database } from 'better-sqlite3';
import { dataRecordTypes, perAccountRecordTypes, zeroCounts, type BackupRecord } from '../backup-records.js';
import { backupTables, sqliteImportStatement, rowValues } from '../backup-tables.js';
import { exportRecords, exportSelects, type ExportSql } from '../export-records.js';
import type { ImportCounts } from '../store.js';
import { zisRegistrySql } from './zis-registry-queries.js';
import { sql } from './queries.js';
import { revisionSql } from './revision-queries.js';

// Backup export and import for the SQLite store. The store holds its group commit while
// these run, so they have the connection, and its transaction, to themselves.

const exportSql: ExportSql = {
  selects: exportSelects({ ...sql, ...zisRegistrySql }),
  tableNames: sql.tableNames,
  sequenceOf: sql.sequenceOf,
};

/** Every record, read in one transaction: a consistent snapshot even while others write (WAL). */
export async function* exportSqlite(db: Database): AsyncGenerator<BackupRecord> {
  db.exec('BEGIN');
  try {
    yield* exportRecords(
      (text, params = []) => db.prepare(text).all(...params) as Record<string, unknown>[],
      exportSql,
    );
  } finally {
    // Read-only: ending the snapshot either way writes nothing.
    if (db.inTransaction) db.exec('COMMIT');
  }
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
    for (const statement of revisionSql.linkImported) db.prepare(statement).run();
    db.prepare(sql.restoreDeliveryKeys).run();
    db.exec('COMMIT');
    return counts;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
