import {
  dataRecordTypes,
  pageAfter,
  pageStart,
  sequencedRecordTypes,
  type BackupRecord,
  type DataRecordType,
  UncoveredDataError,
} from './backup-records.js';
import { backupTables, notBackedUp } from './backup-tables.js';

/** Rows read per query: memory stays flat however large the store. */
const batchSize = 1000;

/** A dialect's statements the export reads with: one per record type, and the catalogue's. */
export interface ExportSql {
  /** Each record type's page: (its key after, …, limit), as the backup records name their fields. */
  readonly selects: Record<DataRecordType, string>;
  /** The store's tables, as `name`. */
  readonly tableNames: string;
  /** (table name) The last id its sequence handed out, as `lastId` (no row: none yet). */
  readonly sequenceOf: string;
}

/** One statement inside the export's snapshot (SQLite answers at once). */
export type SnapshotRead = (
  sql: string,
  params?: unknown[],
) => Promise<Record<string, unknown>[]> | Record<string, unknown>[];

/**
 * Every record, read page by page inside the snapshot the caller opened (and ends): data in
 * the record types' order, then each sequence. Refuses a store holding rows in a table no
 * record covers.
 */
export async function* exportRecords(read: SnapshotRead, sql: ExportSql): AsyncGenerator<BackupRecord> {
  await refuseUncoveredData(read, sql);
  const highest = new Map<DataRecordType, number>();
  for (const type of dataRecordTypes) {
    const { toFields } = backupTables[type];
    let after = pageStart(type);
    for (;;) {
      const rows = await read(sql.selects[type], [...after, batchSize]);
      for (const row of rows) yield { type, ...(toFields ? toFields(row as never) : row) } as BackupRecord;
      if (rows.length > 0) after = pageAfter(type, rows.at(-1)! as never);
      if (rows.length < batchSize) break;
    }
    highest.set(type, after[0] as number);
  }
  for (const type of sequencedRecordTypes) {
    const [row] = await read(sql.sequenceOf, [backupTables[type].name]);
    const lastId = Number(row?.lastId ?? 0);
    yield { type: 'sequence', recordType: type, lastId: Math.max(lastId, highest.get(type)!) };
  }
}

async function refuseUncoveredData(read: SnapshotRead, sql: ExportSql): Promise<void> {
  const covered = new Set(Object.values(backupTables).map((table) => table.name));
  const uncovered: string[] = [];
  for (const { name } of (await read(sql.tableNames)) as { name: string }[]) {
    if (covered.has(name) || notBackedUp.has(name)) continue;
    // Identifiers cannot be parameters; these names come from the database itself.
    const found = await read(`SELECT 1 FROM "${name.replace(/"/g, '""')}" LIMIT 1`);
    if (found.length > 0) uncovered.push(name);
  }
  if (uncovered.length > 0) throw new UncoveredDataError(uncovered.sort());
}

/** The name of each record type's export statement in a dialect's statements. */
const exportNames = {
  account: 'exportAccounts',
  admin_token: 'exportAdminTokens',
  integration: 'exportIntegrations',
  access_token: 'exportAccessTokens',
  config: 'exportConfigs',
  channel_integration: 'exportChannelIntegrations',
  instance: 'exportInstances',
  pull: 'exportPulls',
  thread: 'exportThreads',
  resource: 'exportResources',
  config_revision: 'exportConfigRevisions',
  revision_counter: 'exportRevisionCounters',
  revision_watermark: 'exportRevisionWatermarks',
  reply: 'exportReplies',
  event: 'exportEvents',
  push_request: 'exportPushRequests',
  zis_bundle: 'exportBundles',
  zis_job_spec_install: 'exportJobSpecInstalls',
  zis_connection: 'exportConnections',
  zis_oauth_client: 'exportOAuthClients',
} as const satisfies Record<DataRecordType, string>;

/** Each record type's export statement, picked from a dialect's statements (store and registry). */
export function exportSelects(
  statements: Record<(typeof exportNames)[DataRecordType], string>,
): Record<DataRecordType, string> {
  const entries = Object.entries(exportNames).map(([type, name]) => [type, statements[name]]);
  return Object.fromEntries(entries) as Record<DataRecordType, string>;
}
