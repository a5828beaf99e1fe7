import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/processes.js';
import { createTenant, openTempSqlite, tempDir } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import {
  createChannelIntegration,
  createInstance,
  exportWithCli,
  importWithCli,
  pullInto,
  recordsOf,
} from './backup-fixture.js';
import { testActor } from '../helpers/actors.js';

/** An integration line as formats before 5 wrote it: without its OAuth client's fields. */
function withoutFormat5Fields(line: string): string {
  const integration = JSON.parse(line);
  for (const field of ['description', 'redirect_uris', 'updated_at']) delete integration[field];
  return JSON.stringify(integration);
}

const dir = tempDir();
const good = join(dir.path, 'good.jsonl');
let lines: string[];

// A backup of 1 account, its admin token, 1 integration, 1 access token, 3 configs, 1 channel
// integration, 2 instances, each pulled once (1 thread and 1 resource each), the configs'
// 3 revisions and the account's revision counter:
const layout = [
  'switchboard-backup', // 1
  'account', // 2
  'admin_token', // 3
  'integration', // 4
  'access_token', // 5
  ...['config', 'config', 'config'], // 6–8
  'channel_integration', // 9
  ...['instance', 'instance'], // 10–11
  ...['pull', 'pull'], // 12–13
  ...['thread', 'thread'], // 14–15
  ...['resource', 'resource'], // 16–17
  ...['config_revision', 'config_revision', 'config_revision'], // 18–20
  'revision_counter', // 21
  ...Array<string>(17).fill('sequence'), // 22–38
  'end', // 39
];
beforeAll(async () => {
  const source = await openTempSqlite();
  try {
    const tenant = await createTenant(source.store, 'acme', ['sync']);
    const key = { accountId: tenant.accountId, integration: 'sync' };
    for (const scope of ['one', 'two', 'three']) {
      await source.store.createConfig(key, {
        scope,
        configJson: `{"scope":"${scope}"}`,
        nowSeconds: 1_700_000_000,
        actor: testActor,
      });
    }
    const now = Date.UTC(2024, 0, 1);
    const channels = source.store.channels;
    const integration = await createChannelIntegration(channels, tenant.accountId, now);
    for (const name of ['first', 'second']) {
      const instance = await createInstance(channels, integration, { name, metadata: name, state: name, now });
      await pullInto(channels, instance, [`${name}-1`], { now });
    }
    await exportWithCli(source.url, good);
  } finally {
    await source.cleanup();
  }
  lines = readFileSync(good, 'utf8').trimEnd().split('\n');
  expect(lines.map((line) => JSON.parse(line).type)).toEqual(layout);
});
afterAll(() => dir.remove());

const withLine = (number: number, text: string | undefined) => {
  const copy = [...lines];
  if (text === undefined) copy.splice(number - 1, 1);
  else copy[number - 1] = text;
  return copy.join('\n') + '\n';
};
const editedLine = (number: number, edit: (line: any) => void) => {
  const line = JSON.parse(lines[number - 1]!);
  edit(line);
  return withLine(number, JSON.stringify(line));
};

const cases: { name: string; backup: () => string; message: RegExp }[] = [
  {
    name: 'a file without its end line',
    backup: () => withLine(39, undefined),
    message: /the backup stops after line 38 without its end line: it is truncated$/,
  },
  {
    name: 'a file cut off inside a line',
    backup: () => lines.join('\n').slice(0, -20),
    message: /line 39: not valid JSON/,
  },
  {
    name: 'a corrupt line',
    backup: () => withLine(7, '{"type":"config","id":'),
    message: /line 7: not valid JSON/,
  },
  {
    name: 'a line of the wrong shape',
    backup: () => editedLine(7, (line) => (line.version = '2')),
    message: /line 7: "version" in the config record must be a positive integer$/,
  },
  {
    name: 'a config whose JSON is not an object',
    backup: () => editedLine(8, (line) => (line.config = '[1,2')),
    message: /line 8: "config" in the config record must be the JSON text of an object$/,
  },
  {
    name: 'a line with an unknown field',
    backup: () => editedLine(2, (line) => (line.plan = 'gold')),
    message: /line 2: the account record has an unknown field "plan"$/,
  },
  {
    name: 'a missing record (counts do not match the end line)',
    backup: () => withLine(7, undefined),
    message: /line 38: the end line counts 3 config records, but the backup has 2/,
  },
  {
    name: 'records out of order',
    backup: () => [lines[0], lines[5], ...lines.slice(1, 5), ...lines.slice(6)].join('\n') + '\n',
    message: /line 3: account record after config records; a backup lists accounts, admin tokens, /,
  },
  {
    name: 'an unknown format',
    backup: () => editedLine(1, (line) => (line.format = 6)),
    message: /line 1: backup format 6 is unknown; this Switchboard reads formats 1, 2, 3, 4 and 5$/,
  },
  {
    name: 'channel records in a format-1 backup',
    backup: () => {
      // A format-1 access token has no scopes, prefix or last use.
      const token = JSON.parse(lines[4]!);
      for (const field of ['scopes', 'token_prefix', 'used_at']) delete token[field];
      const integration = withoutFormat5Fields(lines[3]!);
      const header = { ...JSON.parse(lines[0]!), format: 1 };
      return (
        [JSON.stringify(header), ...lines.slice(1, 3), integration, JSON.stringify(token), ...lines.slice(5)].join(
          '\n',
        ) + '\n'
      );
    },
    message: /line 9: a format-1 backup has no channel_integration records$/,
  },
  {
    name: 'channel records out of order',
    backup: () => [...lines.slice(0, 11), lines[13], lines[11], lines[12], ...lines.slice(14)].join('\n') + '\n',
    message: /line 13: pull record after thread records; a backup lists .* instances, pulls, threads, resources, /,
  },
  {
    name: 'an access token of format 3 in a format-2 backup',
    backup: () =>
      [JSON.stringify({ ...JSON.parse(lines[0]!), format: 2 }), ...lines.slice(1, 3), withoutFormat5Fields(lines[3]!)]
        .concat(lines.slice(4))
        .join('\n') + '\n',
    message: /line 5: the access_token record has an unknown field "scopes"$/,
  },
  {
    name: 'an access token with unknown scopes',
    backup: () => editedLine(5, (line) => (line.scopes = 'read admin')),
    message: /line 5: "scopes" in the access_token record must be "read", "write" or "read write"$/,
  },
  {
    name: 'an instance whose flag is not a boolean',
    backup: () => editedLine(10, (line) => (line.active = 1)),
    message: /line 10: "active" in the instance record must be true or false$/,
  },
  {
    name: 'a state holding U+0000',
    backup: () => editedLine(11, (line) => (line.state = 'a\u0000b')),
    message: /line 11: "state" in the instance record must be a string without U\+0000$/,
  },
  {
    name: 'a resource payload that is not a JSON object',
    backup: () => editedLine(16, (line) => (line.payload = '"text"')),
    message: /line 16: "payload" in the resource record must be the JSON text of an object$/,
  },
  {
    name: 'an instance of another account’s channel integration',
    backup: () => editedLine(10, (line) => (line.account_id = 99)),
    message: /line 10: instance 1 belongs to account 99, but its channel integration 1 to account 1$/,
  },
  {
    name: 'a pull of an instance not listed',
    backup: () => editedLine(13, (line) => (line.instance_id = 42)),
    message: /line 13: pull 2 is of instance 42, which is not listed before it$/,
  },
  {
    name: 'a resource in a thread of another instance',
    backup: () => editedLine(17, (line) => (line.thread_id = 1)),
    message: /line 17: resource 2 of instance 2 is in thread 1, which is of instance 1$/,
  },
  {
    name: 'a row the database refuses (two instances with one push id)',
    backup: () => editedLine(11, (line) => (line.instance_push_id = JSON.parse(lines[9]!).instance_push_id)),
    message: /(UNIQUE constraint failed: instances\.instance_push_id|duplicate key value violates unique constraint)/,
  },
  {
    name: 'a backup from a newer schema',
    backup: () => editedLine(1, (line) => (line.schema_version = 99)),
    message: /line 1: the backup is from schema version 99, newer than this Switchboard's \d+/,
  },
  { name: 'something else', backup: () => 'hello\n', message: /line 1: not a Switchboard backup/ },
  { name: 'an empty file', backup: () => '', message: /the input is empty/ },
];

describe.each(storeKinds)('import refusals on $name', (kind) => {
  let target: OpenedStore;
  beforeAll(async () => {
    target = await kind.open();
  });
  afterAll(async () => {
    await target.cleanup();
  });

  /** Nothing but the sequence positions of a store that never had a row. */
  const expectEmpty = async () => {
    expect(await target.store.isEmpty()).toBe(true);
    const records = await recordsOf(target.store);
    expect(records.every((record) => record.type === 'sequence' && record.lastId === 0)).toBe(true);
  };

  it.each(cases)('refuses $name with one line, exit 1, and imports nothing', async ({ name, backup, message }) => {
    const file = join(dir.path, `${kind.name}-${name.replace(/\W+/g, '-')}.jsonl`);
    writeFileSync(file, backup());
    const result = await runCli(['import', '--database', target.url, '--input', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^switchboard: Import failed, nothing was imported: .+\n$/);
    expect(result.stderr.trimEnd()).toMatch(message);
    await expectEmpty();
  });

  it('refuses a missing input file before touching the database', async () => {
    const result = await runCli(['import', '--database', target.url, '--input', join(dir.path, 'nope.jsonl')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^switchboard: Cannot read --input .*nope\.jsonl: ENOENT.*\n$/);
  });

  it('refuses a target that has an account, and leaves it as it was', async () => {
    const other = await kind.open();
    try {
      await createTenant(other.store, 'existing', ['x']);
      const before = await recordsOf(other.store);
      const result = await runCli(['import', '--database', other.url, '--input', good]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'switchboard: Import refused, nothing was imported: the target database already has accounts or configs; ' +
          'import only into an empty database\n',
      );
      expect(await recordsOf(other.store)).toEqual(before);
    } finally {
      await other.cleanup();
    }
  });

  it('still takes the good backup after all those refusals', async () => {
    await expectEmpty();
    await importWithCli(target.url, good);
    const records = await recordsOf(target.store);
    expect(records.filter((record) => record.type === 'config').map((record) => record.scope)).toEqual([
      'one',
      'two',
      'three',
    ]);
    const ofType = (type: string) => records.filter((record) => record.type === type);
    expect(ofType('instance').map((record) => (record as { state: string }).state)).toEqual(['first', 'second']);
    expect(ofType('resource').map((record) => (record as { externalId: string }).externalId)).toEqual([
      'first-1',
      'second-1',
    ]);
  });
});
