import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/server.js';

const bin = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));
const recordLoads = fileURLToPath(new URL('../helpers/record-loads.mjs', import.meta.url));

/** Packages `serve` must not load until they are needed, and what first needs each. */
const deferred = {
  outbound: 'node_modules/undici/', // the outbound client: the first pull or callback
  failureLimiter: 'node_modules/rate-limiter-flexible/', // the first failed authentication
  x509: 'node_modules/@peculiar/x509/', // HTTPS with the local CA (SWITCHBOARD_TLS=on) only
};

describe('serve loads heavy packages on first use, not at start', () => {
  const dir = tempDir();
  let child: ChildProcess;
  let baseUrl: string;
  let stderr = '';
  const loaded = (fragment: string) =>
    stderr.split('\n').some((line) => line.startsWith('loaded ') && line.includes(fragment));
  /** The loader's thread reports a little after the fact: wait for it. */
  const eventuallyLoaded = async (fragment: string) => {
    for (let i = 0; i < 100 && !loaded(fragment); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    return loaded(fragment);
  };

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      ['--import', recordLoads, bin, 'serve', '--port', '0', '--database', `sqlite:${join(dir.path, 'lazy.db')}`],
      { env: { ...process.env, SWITCHBOARD_DATA_DIR: dir.path, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr!.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    baseUrl = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout!.on('data', (chunk) => {
        stdout += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stdout}\n${stderr}`)));
    });
  });
  afterAll(() => {
    child.kill('SIGTERM');
    dir.remove();
  });

  it('answers without having loaded them', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    expect(await eventuallyLoaded('node_modules/fastify/')).toBe(true); // the recording works
    for (const fragment of Object.values(deferred)) expect(loaded(fragment), fragment).toBe(false);
  });

  it('loads the failure limiter on the first failed authentication', async () => {
    const denied = await fetch(`${baseUrl}/api/services/zis/integrations/crm/configs/a`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(denied.status).toBe(401);
    expect(await eventuallyLoaded(deferred.failureLimiter)).toBe(true);
  });

  it('has still not loaded the outbound client or the X.509 library, which nothing here needed', () => {
    expect(loaded(deferred.outbound)).toBe(false);
    expect(loaded(deferred.x509)).toBe(false);
  });
});

describe('serve with SWITCHBOARD_TLS=on loads the X.509 library (the check above can fail)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('loads it to make the local CA', async () => {
    const child = spawn(
      process.execPath,
      ['--import', recordLoads, bin, 'serve', '--port', '0', '--database', `sqlite:${join(dir.path, 'tls.db')}`],
      {
        env: {
          ...process.env,
          SWITCHBOARD_DATA_DIR: dir.path,
          LOG_LEVEL: 'warn',
          SWITCHBOARD_TLS: 'on',
          SWITCHBOARD_HTTPS_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    await new Promise<void>((resolve, reject) => {
      let stdout = '';
      child.stdout!.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('HTTPS on https://')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stdout}\n${stderr}`)));
    });
    for (let i = 0; i < 100 && !stderr.includes(deferred.x509); i++) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    expect(stderr.split('\n').some((line) => line.startsWith('loaded ') && line.includes(deferred.x509))).toBe(true);
  }, 60_000);
});
