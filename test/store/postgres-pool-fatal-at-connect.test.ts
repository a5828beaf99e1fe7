// A server that accepts a connection and ends it at once, in the same packet, as PostgreSQL
// does to connections that arrive while `pg_ctl restart -m fast` begins (FATAL 57P01): the
// request answers "unavailable", and the process does not crash on an unheard 'error' event.

import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseHealth } from '../../src/store/database-health.js';
import { PostgresPool } from '../../src/store/postgres/postgres-pool.js';
import { parsePostgresUrl } from '../../src/store/postgres/postgres-url.js';

/** One backend message: its type byte, its length, its body. */
function message(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}

const authenticationOk = message('R', Buffer.from([0, 0, 0, 0]));
const readyForQuery = message('Z', Buffer.from('I'));
const adminShutdown = message(
  'E',
  Buffer.concat([
    Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0'),
    Buffer.from([0]),
  ]),
);

describe('a connection the server ends as it is made', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((socket) => {
      socket.on('error', () => {});
      // The start-up message, then everything at once in one write.
      socket.once('data', () => socket.end(Buffer.concat([authenticationOk, readyForQuery, adminShutdown])));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fails the query as unavailable, with no uncaught error', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    const pool = new PostgresPool({
      url: parsePostgresUrl(`postgres://postgres@127.0.0.1:${port}/test`),
      bounds: {
        poolSize: 2,
        connectTimeoutMs: 2000,
        acquireTimeoutMs: 2000,
        queryTimeoutMs: 2000,
        statementTimeoutMs: 0,
        lockTimeoutMs: 0,
        idleInTransactionTimeoutMs: 0,
        pooler: false,
      },
      health: new DatabaseHealth(),
      onConnect: async () => {},
    });
    try {
      for (let i = 0; i < 5; i += 1) await expect(pool.query('SELECT 1')).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  });
});
