// Switchboard nodes for the PostgreSQL fault scenarios: real `serve` processes with short
// database bounds (the settings of issue 22, docs/settings.md), sharing one data folder so
// they share the dev account's credentials and the secret key.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServeProcess, type ServeProcess } from '../helpers/processes.js';

/** Every database wait the nodes make is bounded by this (connect, acquire, statement, lock, idle in transaction). */
export const timeoutMs = 2_000;

/** The bounds the nodes run with, as the environment settings that set them. */
export const shortBounds: Record<string, string> = {
  SWITCHBOARD_POSTGRES_CONNECT_TIMEOUT_MS: String(timeoutMs),
  SWITCHBOARD_POSTGRES_ACQUIRE_TIMEOUT_MS: String(timeoutMs),
  SWITCHBOARD_POSTGRES_QUERY_TIMEOUT_MS: String(timeoutMs),
  SWITCHBOARD_POSTGRES_STATEMENT_TIMEOUT_MS: String(timeoutMs),
  SWITCHBOARD_POSTGRES_LOCK_TIMEOUT_MS: String(timeoutMs),
  SWITCHBOARD_POSTGRES_IDLE_IN_TRANSACTION_TIMEOUT_MS: String(timeoutMs),
};

/**
 * How long a request may take: waiting for a connection (acquire, which includes connecting)
 * then the statement that meets the fault (query timeout). Statements before the fault
 * answered at once; none after it runs. The checks allow this plus 1 s.
 */
export const requestBoundMs = 2 * timeoutMs;

/** `/readyz` answers within 1 s by its own timeout (issue 22); the checks allow this plus 1 s. */
export const readyzBoundMs = 1_000;

export interface FaultNode {
  /** `a`, `b`: in logs and in the bookkeeping. */
  name: string;
  process: ServeProcess;
  baseUrl: string;
  /** The dev account's ZIS token (both nodes serve the same account). */
  token: string;
  /** stderr so far (stdout is `process.output()`). */
  stderr: () => string;
  /** The last lines the node printed, for failure messages. */
  tail: () => string;
  /** SIGKILL unless already gone. */
  kill: () => Promise<void>;
}

/** The URL with `application_name` set, so the node's sessions can be told apart in pg_stat_activity. */
export function namedUrl(url: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
}

/**
 * Starts a node on `databaseUrl` (named `switchboard-NAME` in pg_stat_activity). Start the
 * first node alone: on an empty database it makes the dev account and writes its
 * credentials to `dataDir`, which the next nodes read.
 */
export async function startFaultNode(name: string, databaseUrl: string, dataDir: string): Promise<FaultNode> {
  const process = await startServeProcess(
    namedUrl(databaseUrl, `switchboard-${name}`),
    {
      ...shortBounds,
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_MODE: 'development',
      SWITCHBOARD_SECRET_KEY: 'shared-by-the-fault-nodes',
      SWITCHBOARD_PULL_SCHEDULER: 'off',
      LOG_LEVEL: 'warn',
    },
    60_000,
  );
  let stderr = '';
  process.child.stderr!.on('data', (chunk) => (stderr += chunk));
  const token = JSON.parse(readFileSync(join(dataDir, 'dev-credentials.json'), 'utf8')).access_token as string;
  return {
    name,
    process,
    baseUrl: process.baseUrl,
    token,
    stderr: () => stderr,
    tail: () => `node ${name} output (tail):\n${process.output().slice(-2_000)}\n${stderr.slice(-2_000)}`,
    kill: async () => {
      if (process.child.exitCode === null && process.child.signalCode === null) await process.stop('SIGKILL');
    },
  };
}
