import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount, issueAccessToken, registerIntegration } from '../../src/accounts/provision.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { buildApp } from '../../src/server/app.js';
import { loadSettings, type Settings } from '../../src/settings.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { wrapStore } from '../../src/store/wrap-store.js';

/** A fresh directory under the OS temp dir, removed by the returned function. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A migrated SQLite store in a temp file. */
export async function openTempSqlite(): Promise<{ store: Store; url: string; cleanup: () => Promise<void> }> {
  const dir = tempDir();
  const path = join(dir.path, 'switchboard.db');
  const store = wrapStore(new SqliteStore(path));
  await store.migrate();
  return {
    store,
    url: `sqlite:${path}`,
    cleanup: async () => {
      await store.close();
      dir.remove();
    },
  };
}

export interface TestServer {
  app: FastifyInstance;
  baseUrl: string;
  store: Store;
  close: () => Promise<void>;
}

/** The real app on a free loopback port, over the given store. */
export async function startServer(
  store: Store,
  options: { clock?: Clock; settings?: Partial<Settings> } = {},
): Promise<TestServer> {
  const settings = { ...loadSettings({}), ...options.settings };
  const app = await buildApp({ store, settings, clock: options.clock ?? systemClock, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  return { app, baseUrl: `http://127.0.0.1:${address.port}`, store, close: () => app.close() };
}

export interface Tenant {
  accountId: number;
  subdomain: string;
  adminEmail: string;
  apiToken: string;
  /** Basic auth header value for the admin. */
  adminAuth: string;
  /** Bearer tokens by integration name. */
  tokens: Record<string, string>;
}

/** An account with an admin and a ZIS token for each named integration. */
export async function createTenant(store: Store, subdomain: string, integrations: string[]): Promise<Tenant> {
  const created = await createAccount(store, systemClock, { subdomain });
  if (created === 'exists') throw new Error(`tenant ${subdomain} exists`);
  const tokens: Record<string, string> = {};
  for (const name of integrations) {
    await registerIntegration(store, systemClock, created.account.id, name);
    tokens[name] = await issueAccessToken(store, systemClock, created.account.id, name);
  }
  return {
    accountId: created.account.id,
    subdomain,
    adminEmail: created.adminEmail,
    apiToken: created.apiToken,
    adminAuth: 'Basic ' + Buffer.from(`${created.adminEmail}/token:${created.apiToken}`).toString('base64'),
    tokens,
  };
}

/** fetch with JSON in and out; `json` is undefined when the body is empty. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; auth?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.auth) headers.authorization = options.auth;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (options.rawBody !== undefined) body = options.rawBody;
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}
