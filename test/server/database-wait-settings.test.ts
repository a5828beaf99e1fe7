import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { databaseLabel } from '../../src/server/wait-for-database.js';

describe('SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS and --wait-for-database', () => {
  it('defaults to 0 (exit at once), and the flag wins over the environment', () => {
    expect(loadSettings({}).waitForDatabaseSeconds).toBe(0);
    expect(loadSettings({ SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS: '30' }).waitForDatabaseSeconds).toBe(30);
    expect(
      loadSettings({ SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS: '30' }, { waitForDatabase: '5' }).waitForDatabaseSeconds,
    ).toBe(5);
  });

  it('refuses what is not a whole number of seconds, naming the setting', () => {
    expect(() => loadSettings({ SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS: '-1' })).toThrow(
      'SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS must be an integer from 0 to 86400; got "-1"',
    );
    expect(() => loadSettings({}, { waitForDatabase: '1.5' })).toThrow('--wait-for-database must be an integer');
  });
});

describe('SWITCHBOARD_POSTGRES_LISTEN_URL', () => {
  it('takes a postgres:// URL, or nothing', () => {
    const url = 'postgres://switchboard:secret@db.internal:5432/switchboard';
    expect(loadSettings({ SWITCHBOARD_POSTGRES_LISTEN_URL: url }).postgresListenUrl).toBe(url);
    expect(loadSettings({ SWITCHBOARD_POSTGRES_LISTEN_URL: '' }).postgresListenUrl).toBeUndefined();
  });

  it('refuses another scheme without echoing the password', () => {
    const attempt = () => loadSettings({ SWITCHBOARD_POSTGRES_LISTEN_URL: 'mysql://u:secret@db/x' });
    expect(attempt).toThrow(/SWITCHBOARD_POSTGRES_LISTEN_URL must be a postgres:\/\/ URL/);
    expect(attempt).not.toThrow(/secret/);
  });
});

describe('the database as the wait line shows it', () => {
  it.each([
    ['postgres://u:secret@db.internal:5432/sb?sslmode=require', 'postgres://db.internal:5432/sb'],
    ['postgres://h1:5432,h2:5432/sb?target_session_attrs=read-write', 'postgres://h1:5432,h2:5432/sb'],
    ['postgres://db', 'postgres://db'],
  ])('shows %j as %j', (url, label) => {
    expect(databaseLabel(url)).toBe(label);
  });
});
