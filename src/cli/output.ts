import { renderTable, type Column } from './table.js';

/** The flag every list and get command takes. */
export interface JsonFlag {
  json?: boolean;
}

/**
 * How a list or get command prints: `json` with `--json`, or when stdout is not a terminal
 * (a pipe, a file, a script: their output stays the JSON it always was), else `table`.
 * `SWITCHBOARD_OUTPUT=table|json` overrides the terminal check (tests, `watch`).
 */
export function outputMode(flags: JsonFlag, env: NodeJS.ProcessEnv = process.env): 'json' | 'table' {
  if (flags.json) return 'json';
  if (env.SWITCHBOARD_OUTPUT === 'table' || env.SWITCHBOARD_OUTPUT === 'json') return env.SWITCHBOARD_OUTPUT;
  return process.stdout.isTTY ? 'table' : 'json';
}

/** Prints a value as indented JSON, one trailing newline. */
export const printJson = (value: unknown) => process.stdout.write(JSON.stringify(value, null, 2) + '\n');

/** What a list command prints, in either form. */
export interface Listing {
  /** The JSON form (`--json`, or off a terminal). */
  json: unknown;
  columns: readonly Column[];
  rows: readonly (readonly string[])[];
  /** The line printed on a terminal instead of an empty table, e.g. `No accounts yet: …`. */
  empty: string;
}

/** Prints a listing as JSON or as an aligned table, as {@link outputMode} decides. */
export function printListing(flags: JsonFlag, listing: Listing): void {
  if (outputMode(flags) === 'json') return void printJson(listing.json);
  process.stdout.write(listing.rows.length === 0 ? listing.empty + '\n' : renderTable(listing.columns, listing.rows));
}

/** A time (epoch ms) for a table cell, as the API writes times (`2026-12-07T02:43:07Z`), or `-` for none. */
export function tableTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return '-';
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
