import { describe, expect, it } from 'vitest';
import { endLine, headerLine, parseHeader, parseLine, recordLine } from '../../src/backup/backup-format.js';
import { zeroCounts, type BackupRecord } from '../../src/backup/backup-record.js';

const hash = 'a'.repeat(64);
const records: BackupRecord[] = [
  { type: 'account', id: 1, subdomain: 'acme', createdAt: 1 },
  { type: 'admin_token', id: 2, accountId: 1, email: 'a@b', tokenHash: hash, createdAt: 2 },
  {
    type: 'integration',
    id: 3,
    accountId: 1,
    name: 'sync',
    clientIdentifier: 'zis_sync_1',
    clientSecretHash: hash,
    createdAt: 3,
  },
  { type: 'access_token', id: 4, accountId: 1, integration: 'sync', tokenHash: hash, createdAt: 4 },
  {
    type: 'config',
    id: 5,
    accountId: 1,
    integration: 'sync',
    scope: 'a/b%c ✓',
    configJson: '{"x": [1, 2.50, "\\u00e9"]}',
    version: 2,
    createdAt: 5,
    updatedAt: 6,
  },
  { type: 'sequence', recordType: 'config', lastId: 9 },
];

describe('the backup line format', () => {
  it.each(records)('writes and reads a $type record unchanged, config text byte for byte', (record) => {
    const line = recordLine(record);
    expect(line).not.toContain('\n');
    expect(parseLine(line, 2)).toEqual(record);
  });

  it('writes fields in a fixed order whatever order the record has them in', () => {
    const shuffled = { updatedAt: 6, createdAt: 5, ...records[4]! } as BackupRecord;
    expect(recordLine(shuffled)).toBe(
      '{"type":"config","id":5,"account_id":1,"integration":"sync","scope":"a/b%c ✓","version":2,' +
        '"created_at":5,"updated_at":6,"config":"{\\"x\\": [1, 2.50, \\"\\\\u00e9\\"]}"}',
    );
  });

  it('reads back its header and end line', () => {
    const header = { format: 1, schemaVersion: 3, exportedAt: '2024-01-01T00:00:00Z', source: 'postgres' as const };
    expect(parseHeader(headerLine(header))).toEqual(header);
    const counts = { ...zeroCounts(), config: 7 };
    expect(parseLine(endLine(counts), 9)).toEqual({ type: 'end', counts });
  });

  it.each([
    ['{"type":"account","id":1,"subdomain":"x"}', 'line 4: the account record lacks "created_at"'],
    [
      '{"type":"account","id":0,"subdomain":"x","created_at":1}',
      'line 4: "id" in the account record must be a positive integer',
    ],
    [
      '{"type":"access_token","id":1,"account_id":1,"integration":"s","token_hash":"sbzt_plain","created_at":1}',
      'line 4: "token_hash" in the access_token record must be a SHA-256 hash (64 hex digits)',
    ],
    [
      '{"type":"sequence","record_type":"sequence","last_id":1}',
      'line 4: "record_type" in the sequence record must be one of',
    ],
    ['{"type":"user","id":1}', 'line 4: unknown record type "user"'],
    ['[1]', 'line 4: not a JSON object'],
    ['', 'line 4: empty line'],
    ['{"type":"end","counts":{"account":1}}', 'line 4: "counts" lacks "admin_token"'],
  ])('refuses %s, naming the line', (line, message) => {
    expect(() => parseLine(line, 4)).toThrow(message);
  });
});
