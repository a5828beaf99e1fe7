import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/server.js';
import { requestAs } from '../helpers/tls-proxy.js';

/**
 * `serve` with SWITCHBOARD_TLS=on in development: the local CA is made on first use in the
 * data folder, `switchboard ca` names it, and its private key appears in no backup, log
 * line or /openapi.json. Production without a certificate refuses to start.
 */
describe('the local development CA', () => {
  const dir = tempDir();
  const databaseUrl = `sqlite:${join(dir.path, 'ca.db')}`;
  const env = {
    SWITCHBOARD_DATA_DIR: dir.path,
    SWITCHBOARD_TLS: 'on',
    SWITCHBOARD_HTTPS_PORT: '0',
    SWITCHBOARD_BASE_DOMAIN: 'zendesk.com',
    SWITCHBOARD_PULL_SCHEDULER: 'off',
    LOG_LEVEL: 'debug',
  };
  let serve: ServeProcess;
  let httpsPort: number;
  const keyPath = join(dir.path, 'tls', 'ca-key.pem');
  const certPath = join(dir.path, 'tls', 'ca.pem');
  /** Pieces of the key's base64 body: any one of them found somewhere is a leak. */
  let keyPieces: string[];

  beforeAll(async () => {
    serve = await startServeProcess(databaseUrl, env);
    httpsPort = Number(/HTTPS on https:\/\/127\.0\.0\.1:(\d+)/.exec(serve.output())![1]);
    const body = readFileSync(keyPath, 'utf8')
      .replace(/-----[A-Z ]+-----/g, '')
      .replace(/\s+/g, '');
    keyPieces = [body.slice(0, 24), body.slice(40, 64), body.slice(-40, -16)];
  });
  afterAll(async () => {
    await serve?.stop();
    dir.remove();
  });

  it('is created on first use: key mode 0600, folder 0700, and serve says where the certificate is', () => {
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir.path, 'tls')).mode & 0o777).toBe(0o700);
    expect(serve.output()).toContain(`local CA certificate: ${certPath}`);
  });

  it('switchboard ca prints the certificate path; --pem the certificate, never the key', async () => {
    const path = await runCli(['ca'], env);
    expect(path.code).toBe(0);
    expect(path.stdout).toBe(`${certPath}\n`);
    const pem = await runCli(['ca', '--pem'], env);
    expect(pem.stdout).toBe(readFileSync(certPath, 'utf8'));
    expect(pem.stdout).toMatch(/^-----BEGIN CERTIFICATE-----/);
    for (const piece of keyPieces) expect(pem.stdout).not.toContain(piece);
  });

  it('keeps the key out of the logs, /openapi.json and a backup', async () => {
    const spec = await requestAs('localhost', httpsPort, readFileSync(certPath, 'utf8'), '/openapi.json');
    expect(spec.status).toBe(200);
    const backup = await runCli(['export', '--database', databaseUrl], env);
    expect(backup.code).toBe(0);
    expect(backup.stdout.length).toBeGreaterThan(100);
    for (const piece of keyPieces) {
      expect(serve.output()).not.toContain(piece);
      expect(spec.text).not.toContain(piece);
      expect(backup.stdout).not.toContain(piece);
      expect(backup.stderr).not.toContain(piece);
    }
  });

  it('is kept: a second start uses the same CA', async () => {
    const before = readFileSync(certPath, 'utf8');
    const again = await runCli(['ca', '--pem'], env);
    expect(again.stdout).toBe(before);
  });
});

describe('HTTPS settings refused at start', () => {
  it('production without a certificate, a proxy without TLS, a certificate without its key, passthrough in production', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ SWITCHBOARD_MODE: 'production', SWITCHBOARD_TLS: 'on' }, /SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY/],
      [{ SWITCHBOARD_PROXY_PORT: '3128' }, /turn HTTPS on too/],
      [{ SWITCHBOARD_TLS_CERT: '/nonexistent.pem' }, /go together/],
      [{ SWITCHBOARD_TLS: 'yes' }, /"on" or "off"/],
      [{ SWITCHBOARD_TLS: 'on', SWITCHBOARD_PROXY_PORT: '0', SWITCHBOARD_PROXY_PASSTHROUGH: 'a b' }, /not one/],
      [
        {
          SWITCHBOARD_MODE: 'production',
          SWITCHBOARD_TLS_CERT: '/a',
          SWITCHBOARD_TLS_KEY: '/b',
          SWITCHBOARD_PROXY_PORT: '0',
          SWITCHBOARD_PROXY_PASSTHROUGH: 'example.com',
        },
        /development only/,
      ],
    ];
    for (const [env, message] of cases) expect(() => loadSettings(env), JSON.stringify(env)).toThrow(message);
    expect(loadSettings({}).tls.enabled).toBe(false);
    expect(loadSettings({ SWITCHBOARD_TLS: 'on' }).tls).toMatchObject({ enabled: true, httpsPort: 3443 });
  });

  it('serve in production without a certificate exits with the reason; ca has no local CA there', async () => {
    const serve = await runCli(['serve', '--port', '0', '--database', 'sqlite::memory:'], {
      SWITCHBOARD_MODE: 'production',
      SWITCHBOARD_TLS: 'on',
    });
    expect(serve.code).toBe(1);
    expect(serve.stderr).toMatch(/HTTPS in production needs a certificate/);
    // An unreadable certificate: a clear start error and an exit, not a server half started.
    const unreadable = await runCli(['serve', '--port', '0', '--database', 'sqlite::memory:'], {
      SWITCHBOARD_TLS_CERT: '/nonexistent-cert.pem',
      SWITCHBOARD_TLS_KEY: '/nonexistent-key.pem',
    });
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('SWITCHBOARD_TLS_CERT: cannot read "/nonexistent-cert.pem" (ENOENT)');
    const ca = await runCli(['ca'], { SWITCHBOARD_MODE: 'production' });
    expect(ca.code).toBe(1);
    expect(ca.stderr).toMatch(/no local CA/);
  }, 90_000);
});

describe('the local CA made by two processes at once', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('ends with one CA, whose key matches its certificate, for both', async () => {
    const { ensureLocalCa, issueServerCertificate } = await import('../../src/server/tls/local-ca.js');
    const [first, second] = await Promise.all([ensureLocalCa(dir.path), ensureLocalCa(dir.path)]);
    expect(first.certPem).toBe(second.certPem);
    expect(readFileSync(first.certPath, 'utf8')).toBe(first.certPem);
    // A certificate the second issues verifies under the certificate on disk.
    const issued = await issueServerCertificate(second, ['localhost']);
    const leaf = new X509Certificate(issued.certPem);
    expect(leaf.verify(new X509Certificate(readFileSync(first.certPath)).publicKey)).toBe(true);
  });
});
