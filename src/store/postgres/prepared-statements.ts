import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Makes every parameterised statement on this connection a named prepared statement.
 * node-postgres sends `query(text, values)` unnamed, so PostgreSQL parses and plans it anew
 * each time; named, it is parsed once per connection. The name is a hash of the text, so two
 * different texts never share one. Statements without parameters (BEGIN, DDL, migrations of
 * several statements) stay as they are.
 */
export function prepareParameterisedStatements(client: pg.ClientBase): void {
  const send = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `sb_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return name;
  };
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    // `query(text, values)`, or `query(text, values, callback)` as the pool calls it.
    const [text, values, callback] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && args.length <= 3) {
      const config = { name: nameOf(text), text, values };
      return typeof callback === 'function' ? send(config, callback) : send(config);
    }
    return send(...args);
  };
}

/**
 * Sends every statement on this connection unnamed, also those a library names itself
 * (rate-limiter-flexible names its queries): behind a transaction-mode pooler the next
 * statement may reach another server connection, where the name is unknown or taken.
 */
export function unnamedStatementsOnly(client: pg.ClientBase): void {
  const send = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [config, ...rest] = args;
    // Plain query configs only: a Query or Cursor object must keep its prototype.
    if (typeof config === 'object' && config !== null && Object.getPrototypeOf(config) === Object.prototype) {
      const unnamed = { ...(config as Record<string, unknown>) };
      delete unnamed.name;
      return send(unnamed, ...rest);
    }
    return send(...args);
  };
}
