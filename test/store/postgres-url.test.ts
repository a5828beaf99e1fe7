import { describe, expect, it } from 'vitest';
import {
  nodePostgresParameters,
  parsePostgresUrl,
  PostgresUrlError,
  serverFits,
} from '../../src/store/postgres/postgres-url.js';
import { openStore } from '../../src/store/open-store.js';

describe('PostgreSQL URLs (postgres-url.ts)', () => {
  it('takes a multi-host URL apart, hosts in order, each with its own port', () => {
    const url = parsePostgresUrl(
      'postgres://app:s3cret@db1.internal:5432,db2.internal:5433,[::1]/switchboard?target_session_attrs=read-write&sslmode=disable',
    );
    expect(url.hosts).toEqual([
      { host: 'db1.internal', port: 5432 },
      { host: 'db2.internal', port: 5433 },
      { host: '::1', port: undefined },
    ]);
    expect(url.targetSessionAttrs).toBe('read-write');
    expect(url.clientConfig(url.hosts[1]!)).toEqual({
      connectionString: 'postgres://app:s3cret@db2.internal:5433/switchboard?sslmode=disable',
    });
    expect(url.clientConfig(url.hosts[2]!).connectionString).toBe(
      'postgres://app:s3cret@[::1]/switchboard?sslmode=disable',
    );
  });

  it('keeps a one-host URL as it was, and its options apart for the store to merge', () => {
    const url = parsePostgresUrl('postgresql://postgres@127.0.0.1:5432/test?options=-c%20search_path%3Dsb_x');
    expect(url.hosts).toEqual([{ host: '127.0.0.1', port: 5432 }]);
    expect(url.targetSessionAttrs).toBe('any');
    expect(url.options).toBe('-c search_path=sb_x');
    expect(url.clientConfig(url.hosts[0]!).connectionString).toBe('postgresql://postgres@127.0.0.1:5432/test');
  });

  it('reads a percent-encoded socket directory as the host, and writes it back encoded for pg', () => {
    const url = parsePostgresUrl('postgres://postgres@%2Fvar%2Frun%2Fpostgresql:5432/test');
    expect(url.hosts).toEqual([{ host: '/var/run/postgresql', port: 5432 }]);
    expect(url.clientConfig(url.hosts[0]!).connectionString).toBe(
      'postgres://postgres@%2Fvar%2Frun%2Fpostgresql:5432/test',
    );
  });

  it('accepts every parameter node-postgres reads', () => {
    for (const name of nodePostgresParameters) {
      if (name === 'host' || name === 'port') continue;
      expect(() => parsePostgresUrl(`postgres://u@h/db?${name}=x`), name).not.toThrow();
    }
  });

  it('refuses a parameter it does not read, naming it, without the password', () => {
    const refuse = () => parsePostgresUrl('postgres://u:hunter2@h1,h2/db?target_session_attr=read-write');
    expect(refuse).toThrow(PostgresUrlError);
    expect(refuse).toThrow('The database URL parameter "target_session_attr" is not one Switchboard reads');
    expect(refuse).not.toThrow(/hunter2/);
  });

  it.each([
    ['statement_timeout', 'SWITCHBOARD_POSTGRES_STATEMENT_TIMEOUT_MS'],
    ['lock_timeout', 'SWITCHBOARD_POSTGRES_LOCK_TIMEOUT_MS'],
    ['idle_in_transaction_session_timeout', 'SWITCHBOARD_POSTGRES_IDLE_IN_TRANSACTION_TIMEOUT_MS'],
    ['query_timeout', 'SWITCHBOARD_POSTGRES_QUERY_TIMEOUT_MS'],
    ['connect_timeout', 'SWITCHBOARD_POSTGRES_CONNECT_TIMEOUT_MS'],
  ])('refuses %s in the URL, naming the setting that owns it', (name, setting) => {
    expect(() => parsePostgresUrl(`postgres://u@h/db?${name}=1000`)).toThrow(
      `The database URL parameter "${name}" is not accepted here: set ${setting} instead.`,
    );
  });

  it('refuses an unknown target_session_attrs, and host/port parameters beside several hosts', () => {
    expect(() => parsePostgresUrl('postgres://u@h/db?target_session_attrs=writable')).toThrow(
      'target_session_attrs must be one of any, read-write, read-only, primary, standby, prefer-standby; got "writable"',
    );
    expect(() => parsePostgresUrl('postgres://u@h1,h2/db?host=/tmp')).toThrow('several hosts');
    expect(() => parsePostgresUrl('postgres://u@h1:99999/db')).toThrow('port 99999 is not a TCP port');
  });

  it('tells which servers fit each target_session_attrs', () => {
    const primary = { in_recovery: false, read_only: false };
    const standby = { in_recovery: true, read_only: true };
    const readOnlyPrimary = { in_recovery: false, read_only: true };
    const fits = (attrs: Parameters<typeof serverFits>[0]) =>
      [primary, standby, readOnlyPrimary].map((facts) => serverFits(attrs, facts));
    expect(fits('any')).toEqual([true, true, true]);
    expect(fits('read-write')).toEqual([true, false, false]);
    expect(fits('read-only')).toEqual([false, true, true]);
    expect(fits('primary')).toEqual([true, false, true]);
    expect(fits('standby')).toEqual([false, true, false]);
  });

  it('makes openStore refuse the URL before connecting anywhere', async () => {
    // Port 1: nothing listens; the refusal must come from the parameter, not the connection.
    await expect(openStore('postgres://u@127.0.0.1:1/db?application_nam=x')).rejects.toThrow(
      'The database URL parameter "application_nam" is not one Switchboard reads',
    );
    await expect(openStore('postgres-basic://u@127.0.0.1:1/db?keepalives=1')).rejects.toThrow('"keepalives"');
  });
});
