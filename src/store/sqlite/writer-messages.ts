import Database from 'better-sqlite3';
import { ConfigRefusedError } from '../config-edit.js';
import { DatabaseTooNewError } from '../migration-files.js';
import { StoreUnavailableError } from '../store-errors.js';

// What the main thread and the SQLite writer thread say to each other. Everything here
// crosses by structured clone: data only, never functions or class instances.

/** Which write-side object of the writer thread a call goes to. */
export type WriteTarget = 'store' | 'channels' | 'replies' | 'zisRegistry' | 'exchanges';

/** What the writer thread opens. */
export interface WriterSetup {
  path: string;
  synchronous: 'FULL' | 'NORMAL' | 'OFF';
  configHistory: boolean;
}

// One writer thread serves every SQLite store of the process (one in production; many in
// a test run, which would otherwise start a thread per store). `handle` names the store.
export type ToWriter =
  /** Open the store's write connection: answered once it is open. */
  | { kind: 'open'; id: number; handle: number; setup: WriterSetup }
  | { kind: 'call'; id: number; handle: number; target: WriteTarget; method: string; args: unknown[] }
  /** Drain, then start no batch until `release`: backup import runs on the main connection meanwhile. */
  | { kind: 'hold'; id: number; handle: number }
  | { kind: 'release'; handle: number }
  /** Drain, close the store's connection, answer. */
  | { kind: 'close'; id: number; handle: number };

export type FromWriter =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: WireError }
  /** Events committed: this thread's deliverer should look (see `SqliteEventOutbox`). */
  | { kind: 'events'; handle: number }
  /** A config change committed: this thread's change listeners (the change feed) should hear of it. */
  | { kind: 'configChanged'; handle: number; accountId: number };

/** An error as it crosses: its class by name, its message, stack and own fields (`code`, …). */
export interface WireError {
  className: string;
  message: string;
  stack: string | undefined;
  fields: Record<string, string | number | boolean | null>;
}

/** The error classes callers tell apart; any other crosses as a plain `Error`. */
const knownClasses: Record<string, { prototype: Error }> = {
  SqliteError: Database.SqliteError,
  DatabaseTooNewError,
  ConfigRefusedError,
  StoreUnavailableError,
  TypeError,
  RangeError,
};

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) {
    return { className: 'Error', message: String(error), stack: undefined, fields: {} };
  }
  const fields: WireError['fields'] = {};
  for (const [name, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[name] = value as never;
  }
  return { className: error.constructor.name, message: error.message, stack: error.stack, fields };
}

/** The error again, of its class where callers check it (`instanceof`, `code`). */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  const known = knownClasses[wire.className];
  if (known) Object.setPrototypeOf(error, known.prototype);
  Object.assign(error, wire.fields);
  error.stack = wire.stack;
  return error;
}
