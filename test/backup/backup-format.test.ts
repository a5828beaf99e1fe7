import { describe, expect, it } from 'vitest';
import {
  backupFormat,
  endLine,
  headerLine,
  parseHeader,
  parseLine,
  recordLine,
} from '../../src/backup/backup-format.js';
import { zeroCounts, type BackupRecord } from '../../src/store/backup-records.js';

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
    description: 'Syncs tickets',
    redirectUrisJson: '["https://sync.example.com/callback"]',
    updatedAt: 4,
  },
  {
    type: 'access_token',
    id: 4,
    accountId: 1,
    integration: 'sync',
    tokenHash: hash,
    createdAt: 4,
    scopes: 'read',
    tokenPrefix: 'sbzt_AbC-9',
    usedAt: 5,
  },
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
  {
    type: 'channel_integration',
    id: 6,
    accountId: 1,
    remoteId: 'com.example.x',
    name: 'X ✓',
    manifestUrl: 'https://x.test/manifest.json',
    manifestJson: '{"name":"X ✓","urls":{"pull_url":{"href":"https://x.test/pull"}}, "spaced": 1.0}',
    createdAt: 1_704_110_400_123,
    updatedAt: 1_704_110_400_456,
  },
  {
    type: 'instance',
    id: 7,
    accountId: 1,
    integrationId: 6,
    name: 'Instance',
    metadata: 'a: 1\nb: "🎉"\r\n',
    state: '<x a="1">&amp;</x>',
    stateVersion: 3,
    instancePushId: '0f08b72d-ad6b-49e1-8695-d251f7c17a10',
    pushTokenHash: hash,
    active: false,
    deactivatedReason: 'pull_url answered HTTP 503',
    metadataNeedsUpdate: true,
    consecutiveFailures: 3,
    nextPullAt: 1_704_110_500_000,
    lastPullAt: null,
    createdAt: 1_704_110_400_000,
    updatedAt: 1_704_110_400_001,
  },
  {
    type: 'pull',
    id: 8,
    instanceId: 7,
    startedAt: 1_704_110_400_000,
    durationMs: 0,
    outcome: 'failed',
    httpStatus: null,
    resourcesStored: 0,
    duplicates: 0,
    stateConflict: false,
    error: 'timed out',
    deactivated: true,
  },
  { type: 'thread', id: 9, instanceId: 7, threadKey: 'thread-ü', resourceCount: 1, createdAt: 1 },
  {
    type: 'resource',
    id: 10,
    instanceId: 7,
    threadId: 9,
    externalId: 'r1',
    payloadJson: '{"external_id":"r1","message":"\\u00e9 é"}',
    storedAt: 1,
  },
  { type: 'sequence', recordType: 'resource', lastId: 12 },
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

  it('writes an instance with its fields in a fixed order, without its lease', () => {
    const line = recordLine({ ...records[7]!, leaseOwner: 'node-1' } as unknown as BackupRecord);
    expect(line).toBe(
      '{"type":"instance","id":7,"account_id":1,"integration_id":6,"name":"Instance",' +
        '"instance_push_id":"0f08b72d-ad6b-49e1-8695-d251f7c17a10","push_token_hash":"' +
        hash +
        '","active":false,"deactivated_reason":"pull_url answered HTTP 503","metadata_needs_update":true,' +
        '"consecutive_failures":3,"next_pull_at":1704110500000,"last_pull_at":null,"state_version":3,' +
        '"created_at":1704110400000,"updated_at":1704110400001,"metadata":"a: 1\\nb: \\"🎉\\"\\r\\n",' +
        '"state":"<x a=\\"1\\">&amp;</x>"}',
    );
  });

  it.each([1, 2, 3, 4])('reads back its header and end line in format %i', (format) => {
    const header = { format, schemaVersion: 3, exportedAt: '2024-01-01T00:00:00Z', source: 'postgres' as const };
    expect(parseHeader(headerLine(header))).toEqual(header);
    const counts = { ...zeroCounts(), config: 7, ...(format >= 2 ? { resource: 4 } : {}) };
    expect(parseLine(endLine(counts, format), 9, format)).toEqual({ type: 'end', counts });
  });

  it('writes format 5, and reads access tokens of formats 1 and 2 as read and write, without prefix or use', () => {
    expect(backupFormat).toBe(5);
    const format3 = recordLine(records[3]!);
    expect(format3).toBe(
      `{"type":"access_token","id":4,"account_id":1,"integration":"sync","token_hash":"${hash}","created_at":4,` +
        '"scopes":"read","token_prefix":"sbzt_AbC-9","used_at":5}',
    );
    const before = `{"type":"access_token","id":4,"account_id":1,"integration":"sync","token_hash":"${hash}","created_at":4}`;
    for (const format of [1, 2]) {
      expect(parseLine(before, 2, format)).toEqual({
        ...records[3],
        scopes: 'read write',
        tokenPrefix: null,
        usedAt: null,
      });
      expect(() => parseLine(format3, 2, format)).toThrow(
        'line 2: the access_token record has an unknown field "scopes"',
      );
    }
    expect(() => parseLine(before, 2, 3)).toThrow('line 2: the access_token record lacks "scopes"');
    for (const [field, value, message] of [
      ['scopes', 'admin', '"scopes" in the access_token record must be "read", "write" or "read write"'],
      ['scopes', 'write read', '"scopes" in the access_token record must be "read", "write" or "read write"'],
      ['used_at', '5', '"used_at" in the access_token record must be an integer (epoch seconds) or null'],
      ['token_prefix', 5, '"token_prefix" in the access_token record must be a string without U+0000, or null'],
    ] as const) {
      const line = JSON.stringify({ ...JSON.parse(format3), [field]: value });
      expect(() => parseLine(line, 2)).toThrow(`line 2: ${message}`);
    }
  });

  it('reads format 1: the same lines, without channel records (access tokens as format 1 wrote them)', () => {
    const asFormat1 = (record: BackupRecord): BackupRecord =>
      record.type === 'access_token'
        ? { ...record, scopes: 'read write', tokenPrefix: null, usedAt: null }
        : record.type === 'integration'
          ? { ...record, description: '', redirectUrisJson: '[]', updatedAt: null }
          : record;
    const format1Line = (record: BackupRecord) => {
      const line = JSON.parse(recordLine(record));
      if (record.type === 'access_token') for (const field of ['scopes', 'token_prefix', 'used_at']) delete line[field];
      if (record.type === 'integration')
        for (const field of ['description', 'redirect_uris', 'updated_at']) delete line[field];
      return JSON.stringify(line);
    };
    expect(parseLine(endLine(zeroCounts()), 3)).toEqual({ type: 'end', counts: zeroCounts() });
    expect(JSON.parse(endLine(zeroCounts(), 1)).counts).toEqual({
      account: 0,
      admin_token: 0,
      integration: 0,
      access_token: 0,
      config: 0,
      sequence: 0,
    });
    for (const record of records.filter((record) => !('recordType' in record) || record.recordType === 'config')) {
      const line = format1Line(record);
      if (records.indexOf(record) <= 5) expect(parseLine(line, 2, 1)).toEqual(asFormat1(record));
      else expect(() => parseLine(line, 2, 1)).toThrow(`line 2: a format-1 backup has no ${record.type} records`);
    }
    expect(() => parseLine(recordLine(records.at(-1)!), 2, 1)).toThrow(
      'line 2: "record_type" in the sequence record must be one of account, admin_token, integration, access_token, config',
    );
    expect(() => parseLine(endLine(zeroCounts()), 2, 1)).toThrow(
      'line 2: "counts" has an unknown field "channel_integration"',
    );
    expect(() => parseLine(endLine(zeroCounts(), 1), 2, 2)).toThrow('line 2: "counts" lacks "channel_integration"');
  });

  it.each([
    ['{"type":"account","id":1,"subdomain":"x"}', 'line 4: the account record lacks "created_at"'],
    [
      '{"type":"account","id":0,"subdomain":"x","created_at":1}',
      'line 4: "id" in the account record must be a positive integer',
    ],
    [
      '{"type":"access_token","id":1,"account_id":1,"integration":"s","token_hash":"sbzt_plain","created_at":1,' +
        '"scopes":"read write","token_prefix":null,"used_at":null}',
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
    [
      '{"type":"thread","id":1,"instance_id":1,"thread_key":"k","resource_count":-1,"created_at":1}',
      'line 4: "resource_count" in the thread record must be a non-negative integer',
    ],
    [
      '{"type":"pull","id":1,"instance_id":1,"started_at":1,"duration_ms":1,"outcome":"maybe","http_status":null,' +
        '"resources_stored":0,"duplicates":0,"state_conflict":false,"deactivated":false,"error":null}',
      'line 4: "outcome" in the pull record must be "ok" or "failed"',
    ],
    [
      '{"type":"pull","id":1,"instance_id":1,"started_at":1,"duration_ms":1,"outcome":"ok","http_status":"200",' +
        '"resources_stored":0,"duplicates":0,"state_conflict":false,"deactivated":false,"error":null}',
      'line 4: "http_status" in the pull record must be an HTTP status (100–999) or null',
    ],
    [
      '{"type":"thread","id":1,"instance_id":1,"thread_key":"k","resource_count":0,"created_at":1,"lease_owner":"n"}',
      'line 4: the thread record has an unknown field "lease_owner"',
    ],
  ])('refuses %s, naming the line', (line, message) => {
    expect(() => parseLine(line, 4)).toThrow(message);
  });
});
