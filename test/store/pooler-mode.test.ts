import { describe, expect, it } from 'vitest';
import { postgresMode } from '../../src/store/postgres/pooler-mode.js';

const all = { listenNotify: true, advisoryLocks: true, namedStatements: true };
const none = { listenNotify: false, advisoryLocks: false, namedStatements: false };
const direct = 'postgres://db.internal/switchboard';

describe('PostgreSQL pooler mode', () => {
  it('leaves the postgres driver as it is by default (named statements, LISTEN on the store URL)', () => {
    expect(postgresMode({ capabilities: all, pooler: false }, {})).toEqual({ capabilities: all, pooler: false });
    expect(postgresMode({ capabilities: all, pooler: false }, { postgresStatements: 'named' }).pooler).toBe(false);
  });

  it('with unnamed: no named statements, no LISTEN without a LISTEN URL, transaction-scoped advisory locks kept', () => {
    expect(postgresMode({ capabilities: all, pooler: false }, { postgresStatements: 'unnamed' })).toEqual({
      capabilities: { listenNotify: false, advisoryLocks: true, namedStatements: false },
      pooler: true,
    });
  });

  it('with unnamed and a LISTEN URL: LISTEN/NOTIFY on that URL', () => {
    const mode = postgresMode(
      { capabilities: all, pooler: false },
      { postgresStatements: 'unnamed', postgresListenUrl: direct },
    );
    expect(mode).toEqual({
      capabilities: { listenNotify: true, advisoryLocks: true, namedStatements: false },
      pooler: true,
      listenUrl: direct,
    });
  });

  it('keeps a profile with every capability off so, in pooler mode, whatever the settings', () => {
    for (const postgresStatements of ['named', 'unnamed'] as const) {
      const mode = postgresMode(
        { capabilities: none, pooler: true },
        { postgresStatements, postgresListenUrl: direct },
      );
      expect(mode.capabilities).toEqual(none);
      expect(mode.pooler).toBe(true);
    }
  });
});
