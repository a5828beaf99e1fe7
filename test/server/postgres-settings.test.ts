import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { runCli } from '../helpers/processes.js';

describe('SWITCHBOARD_POSTGRES_* settings', () => {
  it('has the documented defaults', () => {
    expect(loadSettings({}).postgres).toEqual({
      poolSize: 10,
      connectTimeoutMs: 5000,
      acquireTimeoutMs: 5000,
      queryTimeoutMs: 10_000,
      statementTimeoutMs: 10_000,
      lockTimeoutMs: 5000,
      idleInTransactionTimeoutMs: 10_000,
    });
  });

  it('reads each from the environment; 0 leaves a server-side bound to the server', () => {
    const settings = loadSettings({
      SWITCHBOARD_POSTGRES_POOL_SIZE: '25',
      SWITCHBOARD_POSTGRES_CONNECT_TIMEOUT_MS: '2000',
      SWITCHBOARD_POSTGRES_ACQUIRE_TIMEOUT_MS: '3000',
      SWITCHBOARD_POSTGRES_QUERY_TIMEOUT_MS: '4000',
      SWITCHBOARD_POSTGRES_STATEMENT_TIMEOUT_MS: '0',
      SWITCHBOARD_POSTGRES_LOCK_TIMEOUT_MS: '0',
      SWITCHBOARD_POSTGRES_IDLE_IN_TRANSACTION_TIMEOUT_MS: '60000',
    });
    expect(settings.postgres).toEqual({
      poolSize: 25,
      connectTimeoutMs: 2000,
      acquireTimeoutMs: 3000,
      queryTimeoutMs: 4000,
      statementTimeoutMs: 0,
      lockTimeoutMs: 0,
      idleInTransactionTimeoutMs: 60_000,
    });
  });

  it.each([
    [
      'SWITCHBOARD_POSTGRES_POOL_SIZE',
      '0',
      'SWITCHBOARD_POSTGRES_POOL_SIZE must be an integer from 1 to 1000; got "0"',
    ],
    [
      'SWITCHBOARD_POSTGRES_POOL_SIZE',
      'ten',
      'SWITCHBOARD_POSTGRES_POOL_SIZE must be an integer from 1 to 1000; got "ten"',
    ],
    [
      'SWITCHBOARD_POSTGRES_QUERY_TIMEOUT_MS',
      '0',
      'SWITCHBOARD_POSTGRES_QUERY_TIMEOUT_MS must be an integer from 100 to 3600000; got "0"',
    ],
    [
      'SWITCHBOARD_POSTGRES_ACQUIRE_TIMEOUT_MS',
      '1.5',
      'SWITCHBOARD_POSTGRES_ACQUIRE_TIMEOUT_MS must be an integer from 100 to 3600000; got "1.5"',
    ],
    [
      'SWITCHBOARD_POSTGRES_LOCK_TIMEOUT_MS',
      '-1',
      'SWITCHBOARD_POSTGRES_LOCK_TIMEOUT_MS must be an integer from 0 to 3600000; got "-1"',
    ],
  ])('refuses %s=%s with a message naming it', (name, value, message) => {
    expect(() => loadSettings({ [name]: value })).toThrow(message);
  });

  it('refuses a statement timeout longer than the query timeout: the client would give up first', () => {
    expect(() =>
      loadSettings({
        SWITCHBOARD_POSTGRES_QUERY_TIMEOUT_MS: '5000',
        SWITCHBOARD_POSTGRES_STATEMENT_TIMEOUT_MS: '8000',
      }),
    ).toThrow(
      'SWITCHBOARD_POSTGRES_STATEMENT_TIMEOUT_MS (8000) must not exceed SWITCHBOARD_POSTGRES_QUERY_TIMEOUT_MS (5000)',
    );
  });

  it('stops serve at start with an unknown database URL parameter, naming it', async () => {
    const result = await runCli(['serve'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/db?target_sesion_attrs=read-write',
      PORT: '0',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('The database URL parameter "target_sesion_attrs" is not one Switchboard reads');
  });
});
