import { systemClock, type Clock } from '../clock.js';
import { loadSecretKey } from '../channels/signing-secret.js';
import { buildApp } from './app.js';
import type { Settings } from '../settings.js';
import { openStore } from '../store/open-store.js';
import { storeOptionsOf } from '../store/store-options.js';
import { loadCipher } from '../store/encryption/encryption-keys.js';
import { startCompaction } from '../zis/history/compaction-loop.js';
import { startRetentionPruner } from '../ops/retention-pruner.js';
import { devCredentialsBanner, devCredentialsFile, ensureDevCredentials, tryItConfigExists } from './first-run.js';
import type { TlsListeners } from './tls/tls-listeners.js';
import { isAddressInUse, PortInUseError } from './port-in-use.js';
import { createLogOutput } from './log-output.js';
import { databaseLabel, waitForDatabase } from './wait-for-database.js';

/**
 * `switchboard serve`: migrate, create first-run credentials, listen, and on SIGTERM or
 * SIGINT stop accepting connections, finish in-flight requests, then close the database.
 */
export async function serve(settings: Settings, clock: Clock = systemClock): Promise<void> {
  // Before the database: production without a key refuses to start (see encryption-keys.ts).
  const cipher = loadCipher(settings, { forServe: true });
  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    synchronous: settings.sqliteSynchronous,
    writer: settings.sqliteWriter,
    cipher,
    configHistory: settings.history.enabled,
    postgresPullBatch: settings.pull.postgresBatch,
  });
  // --wait-for-database: a node started before its database (or during a restart) waits for it.
  await waitForDatabase(() => store.migrate(), {
    seconds: settings.waitForDatabaseSeconds,
    what: databaseLabel(settings.databaseUrl),
    say: (line) => process.stderr.write(`${line}\n`),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const secretKey = loadSecretKey(settings.secretKey, settings.dataDir);
  const log = createLogOutput(settings);
  const app = await buildApp({
    store,
    settings,
    clock,
    secretKey,
    loggerInstance: log.loggerInstance,
    requestLogLevel: log.requestLogLevel,
  });

  let compaction: ReturnType<typeof startCompaction> | undefined;
  let pruner: ReturnType<typeof startRetentionPruner> | undefined;
  let tls: TlsListeners | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    // At once, not after the requests drain: no pull, reply or event batch is begun after the signal.
    const workers = app.channelHost.stopWorkers();
    try {
      // Keep-alive connections that finish their request during the close would hold it open
      // until their keep-alive timeout: close each as soon as it is idle, and after the grace
      // period close whatever is left.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => app.server.closeAllConnections(), settings.shutdownGraceMs);
      // HTTPS connections belong to the app's server once their handshake is done: closed with it.
      await Promise.all([tls?.close(), app.close(), workers]);
      clearInterval(sweep);
      clearTimeout(deadline);
      await compaction?.stop();
      await pruner?.stop();
      await store.close();
      process.exitCode = 0;
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  const devCredentials =
    settings.mode === 'development' ? await ensureDevCredentials(store, clock, settings.dataDir) : undefined;

  try {
    await app.listen({ port: settings.port, host: settings.host });
  } catch (error) {
    // Nothing started yet: close what is open, so the process exits with the message alone.
    await app.close();
    await store.close();
    throw isAddressInUse(error) ? new PortInUseError(settings.port, settings.host) : error;
  }
  // Only with TLS on: the X.509 library and the local CA are loaded on this path alone.
  if (settings.tls.enabled) {
    const { startTlsListeners } = await import('./tls/tls-listeners.js');
    tls = await startTlsListeners(app, settings).catch(async (error: unknown) => {
      // A clear start error (unreadable certificate, port in use), not a half-started server.
      await app.close();
      await store.close();
      throw error;
    });
  }
  if (settings.pull.scheduler) app.channelHost.scheduler.start();
  if (settings.channelback.sender) app.channelHost.replySender.start();
  if (settings.events.deliverer) app.channelHost.deliverer.start();
  if (settings.history.enabled && settings.history.compactor) {
    compaction = startCompaction({
      store,
      clock,
      retentionSeconds: settings.history.retentionSeconds,
      keepPerScope: settings.history.keepPerScope,
      batchSize: settings.history.compactionBatchSize,
      intervalMs: settings.history.compactionIntervalMs,
      onCompacted: (report) => {
        if (report.deleted > 0) app.log.info(report, 'config history compacted');
      },
      onError: (error) =>
        app.log.warn({ err: error }, 'config history compaction failed; retrying at the next interval'),
    });
  }
  if (settings.retention.pruner) {
    const { intervalMs, batchSize } = settings.retention;
    pruner = startRetentionPruner({
      store,
      clock,
      bounds: settings.retention,
      batchSize,
      intervalMs,
      onPruned: (report) => {
        if (Object.values(report).some((deleted) => deleted > 0)) app.log.info(report, 'retention: rows pruned');
      },
      onError: (error) => app.log.warn({ err: error }, 'retention pruning failed; retrying at the next interval'),
    });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const host = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const lines = [`Switchboard listening on ${baseUrl} (${store.dialect}, ${settings.mode} mode)`];
  if (tls) {
    lines.push(`HTTPS on ${tls.httpsUrl}` + (tls.caCertPath ? ` (local CA certificate: ${tls.caCertPath})` : ''));
    if (tls.proxyUrl) lines.push(`Forward proxy for the vendor's host names on ${tls.proxyUrl}`);
  }
  lines.push(
    `Encryption at rest: on, new values under key "${cipher.currentKeyId}" (${cipher.ring.length} in the ring)`,
  );
  if (devCredentials) {
    const { credentials, isNew } = devCredentials;
    const exists = await tryItConfigExists(store, credentials);
    lines.push(devCredentialsBanner(credentials, baseUrl, devCredentialsFile(settings.dataDir), isNew, exists));
  }
  process.stdout.write(lines.join('\n') + '\n');
  // The readable log held its lines back until now: the banner comes first.
  log.release();
}
