import { describe, expect, it } from 'vitest';
import {
  isConnectionFailure,
  isPoolQueueTimeout,
  isServerTimeout,
} from '../../src/store/postgres/connection-errors.js';

/** An Error as pg or Node gives it: a message, and a SQLSTATE or socket error name as `code`. */
const failure = (code: string | undefined, message = 'failed') => Object.assign(new Error(message), { code });

/**
 * Issue 22, item 2: which errors mean "the database cannot be reached" (503, connection
 * discarded, pool re-made) and which mean "this statement failed" (the catalogue's answer).
 */
describe('telling an unreachable database from a failed statement', () => {
  it.each([
    ['57P01', 'admin shutdown (a restart, a failover)'],
    ['57P02', 'crash shutdown'],
    ['57P03', 'cannot connect now (starting up)'],
    ['53300', 'too many connections'],
    ['25006', 'read-only transaction (the endpoint is a standby)'],
    ['25P03', 'idle-in-transaction timeout (the server closed the session)'],
    ['08000', 'connection exception'],
    ['08006', 'connection failure'],
    ['08P01', 'protocol violation'],
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['ETIMEDOUT', 'timed out'],
    ['EPIPE', 'broken pipe'],
  ])('%s (%s) is the database unavailable', (code) => {
    expect(isConnectionFailure(failure(code))).toBe(true);
  });

  it.each([
    ['Connection terminated unexpectedly'],
    ['Query read timeout'],
    ['timeout exceeded when trying to connect'],
    ['Client has encountered a connection error and is not queryable'],
  ])('pg\'s "%s" is the database unavailable', (message) => {
    expect(isConnectionFailure(failure(undefined, message))).toBe(true);
  });

  it('looks inside the AggregateError Node gives when every address of a host failed', () => {
    const all = new AggregateError([failure('ECONNREFUSED'), failure('ECONNREFUSED')], 'connect failed');
    expect(isConnectionFailure(all)).toBe(true);
  });

  it.each([
    ['23505', 'unique violation'],
    ['22P02', 'invalid text representation'],
    ['40001', 'serialization failure'],
    ['57014', 'statement timeout (the server cancelled it; the connection is sound)'],
    ['55P03', 'lock timeout'],
    ['42P01', 'undefined table'],
  ])('%s (%s) is a failed statement, not an outage', (code) => {
    expect(isConnectionFailure(failure(code))).toBe(false);
  });

  it('tells the server-side bounds and the pool queue timeout apart', () => {
    expect(isServerTimeout(failure('57014'))).toBe(true);
    expect(isServerTimeout(failure('55P03'))).toBe(true);
    expect(isServerTimeout(failure('57P01'))).toBe(false);
    expect(isPoolQueueTimeout(failure(undefined, 'timeout exceeded when trying to connect'))).toBe(true);
    expect(isPoolQueueTimeout(failure(undefined, 'Connection terminated'))).toBe(false);
    expect(isConnectionFailure('not an error')).toBe(false);
  });
});
