import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createAccount } from '../accounts/provision.js';
import { systemClock } from '../clock.js';
import { outboundClientFor } from '../channels/channel-host.js';
import { integrationSigningSecret } from '../channels/signing-secret.js';
import { formatReport, reportJson, reportJunit } from '../channels/doctor/format-report.js';
import { runDoctor } from '../channels/doctor/run-doctor.js';
import { buildApp } from '../server/app.js';
import { loadSettings } from '../settings.js';
import { loadCipher } from '../store/encryption/encryption-keys.js';
import { openStore } from '../store/open-store.js';
import { storeOptionsOf } from '../store/store-options.js';

type Env = Record<string, string | undefined>;

/** The flags of `switchboard doctor`. */
export interface DoctorFlags {
  metadata?: string;
  metadataFile?: string;
  /** Seconds to wait for a person (hand-off) and for pushes. Default 60. */
  wait?: string;
  channelbackThread?: string;
  keep?: boolean;
  json?: boolean;
  junit?: string;
  /** Where the in-process host listens (default: a free port on 127.0.0.1). */
  port?: string;
}

/** Where the CLI writes: the report, progress lines, whether stdout is a terminal. */
export interface DoctorIo {
  out: (text: string) => void;
  err: (text: string) => void;
  tty: boolean;
}

const defaultIo: DoctorIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  tty: process.stdout.isTTY === true,
};

/** A usage mistake: the doctor could not run (exit 2). */
class DoctorUsageError extends Error {}

/** The host settings the CLI's own host runs with: development rules, nothing inherited but pull limits. */
function hostEnv(env: Env, dataDir: string): Env {
  const kept: Env = {};
  for (const name of [
    'SWITCHBOARD_PULL_TIMEOUT_MS',
    'SWITCHBOARD_PULL_MAX_RESPONSE_BYTES',
    'SWITCHBOARD_OUTBOUND_ALLOW',
  ]) {
    if (env[name] !== undefined) kept[name] = env[name];
  }
  return {
    ...kept,
    SWITCHBOARD_MODE: 'development',
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_PULL_SCHEDULER: 'off',
    LOG_LEVEL: 'silent',
  };
}

function readFlags(flags: DoctorFlags): { metadata?: string; waitSeconds: number; port: number } {
  if (flags.metadata !== undefined && flags.metadataFile !== undefined) {
    throw new DoctorUsageError('give --metadata or --metadata-file, not both');
  }
  let metadata = flags.metadata;
  if (flags.metadataFile !== undefined) {
    try {
      metadata = readFileSync(flags.metadataFile, 'utf8');
    } catch (error) {
      throw new DoctorUsageError(`--metadata-file: ${(error as Error).message}`);
    }
  }
  const waitSeconds = Number(flags.wait ?? 60);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 86_400) {
    throw new DoctorUsageError(`--wait must be whole seconds, 0–86400; got "${flags.wait}"`);
  }
  const port = Number(flags.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new DoctorUsageError(`--port must be 0–65535; got "${flags.port}"`);
  }
  return { ...(metadata === undefined ? {} : { metadata }), waitSeconds, port };
}

/**
 * `switchboard doctor MANIFEST_URL`: starts its own host (a temporary SQLite store,
 * development rules: loopback allowed) listening on 127.0.0.1, makes a throwaway account
 * and runs the doctor against the integration. Prints the report (grouped, coloured on a
 * TTY), or JSON with `--json`; `--junit FILE` writes JUnit XML too. Resolves with the exit
 * status: 0 no errors, 1 errors, 2 could not run. The temporary store is removed unless `--keep`.
 */
export async function doctorCli(
  manifestUrl: string,
  flags: DoctorFlags,
  env: Env = process.env,
  io: DoctorIo = defaultIo,
): Promise<0 | 1 | 2> {
  let parsed;
  try {
    parsed = readFlags(flags);
  } catch (error) {
    if (!(error instanceof DoctorUsageError)) throw error;
    io.err(`switchboard doctor: ${error.message}\n`);
    return 2;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-doctor-'));
  const settings = loadSettings(hostEnv(env, dataDir), { database: `sqlite:${join(dataDir, 'doctor.db')}` });
  const clock = systemClock;
  const secretKey = randomBytes(32).toString('base64url');
  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    clock,
    cipher: loadCipher(settings, { forServe: true }),
  });
  let app;
  const client = outboundClientFor(settings);
  try {
    await store.migrate();
    app = await buildApp({ store, settings, clock, logger: false, secretKey });
    await app.listen({ port: parsed.port, host: '127.0.0.1' });
    const publicUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    io.err(`Doctor host on ${publicUrl} (push integrations reach it there)\n`);
    const created = await createAccount(store, clock, { subdomain: 'doctor' });
    if (created === 'exists') throw new Error('the temporary store already holds an account');
    const report = await runDoctor(
      {
        manifestUrl,
        waitSeconds: parsed.waitSeconds,
        ...(parsed.metadata === undefined ? {} : { metadata: parsed.metadata }),
        ...(flags.channelbackThread === undefined ? {} : { channelbackThread: flags.channelbackThread }),
      },
      {
        channels: store.channels,
        client,
        nowMs: () => clock().getTime(),
        accountId: created.account.id,
        subdomain: created.account.subdomain,
        publicUrl,
        signingSecret: (integration) => integrationSigningSecret(secretKey, integration),
        pullTimeoutMs: settings.pull.timeoutMs,
        maxResponseBytes: settings.pull.maxResponseBytes,
        handoffHint: (integrationId) =>
          `${publicUrl}/console/channel_integrations/${integrationId} (sign in as ${created.adminEmail} ` +
          `with the API token ${created.apiToken}; press "Add instance")`,
        say: (line) => io.err(`${line}\n`),
        keep: flags.keep === true,
      },
    );
    if (flags.junit !== undefined) writeFileSync(flags.junit, reportJunit(report));
    io.out(flags.json ? `${JSON.stringify(reportJson(report))}\n` : formatReport(report, { colour: io.tty }));
    if (flags.keep)
      io.err(`Kept the doctor's store: switchboard serve --database sqlite:${join(dataDir, 'doctor.db')}\n`);
    return report.exitCode;
  } finally {
    await app?.close();
    await client.close();
    await store.close();
    if (!flags.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}
