import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { formatLogLine } from '../../src/server/pretty-log.js';
import { runCli } from '../helpers/processes.js';
import { tempDir } from '../helpers/server.js';

const bin = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));
const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** A port free right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `switchboard serve` under a pseudo-terminal (util-linux `script`), so its stdout is a TTY
 * as in a user's terminal: waits for the banner, makes a few requests (one failing), stops
 * it with SIGTERM, and answers everything it printed, lines without the terminal's \r.
 */
async function serveOnTerminal(env: Record<string, string>): Promise<string[]> {
  const dir = tempDir();
  const port = await freePort();
  const assignments = Object.entries({ ...env, SWITCHBOARD_DATA_DIR: dir.path })
    .map(([key, value]) => `${key}=${quote(value)}`)
    .join(' ');
  const command =
    `exec env ${assignments} ${quote(process.execPath)} ${quote(bin)} serve --port ${port} ` +
    `--database ${quote(`sqlite:${join(dir.path, 's.db')}`)}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const started = Date.now();
    while (
      !output.includes('API reference:') &&
      !output.includes('Encryption at rest') &&
      Date.now() - started < 30_000
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const baseUrl = `http://127.0.0.1:${port}`;
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/api/services/zis/integrations/x/configs`)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    // `exec`: the shell `script` starts becomes the server, so script's child is the server.
    spawnSync('pkill', ['-TERM', '-P', String(child.pid)]);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    child.kill('SIGKILL');
    dir.remove();
  }
  // Colours off for reading (the terminal got them: it is a TTY), and no \r.
  return output
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
    .replaceAll('\r', '')
    .split('\n');
}

const isJsonLine = (line: string) => /^\s*\{.*\}\s*$/.test(line);

describe('logs on a terminal and for machines', () => {
  it(
    'development on a terminal: the banner first, then readable lines, no JSON line, requests hidden',
    { timeout: 60_000 },
    async () => {
      const lines = await serveOnTerminal({ LOG_LEVEL: 'info' });
      expect(lines.join('\n')).toContain('First run: created a development account.');
      expect(lines[0]).toMatch(/^Switchboard listening on http:\/\/127\.0\.0\.1:\d+ \(sqlite, development mode\)$/);
      expect(lines.filter(isJsonLine)).toEqual([]);
      expect(lines.some((line) => /\d\d:\d\d:\d\d\.\d{3} .*INFO .*shutting down/.test(line))).toBe(true);
      // Requests are at debug: not shown at the default level.
      expect(lines.some((line) => line.includes('/healthz'))).toBe(false);
    },
  );

  it('development on a terminal with LOG_LEVEL=debug: one readable line per request', { timeout: 60_000 }, async () => {
    const lines = await serveOnTerminal({ LOG_LEVEL: 'debug' });
    expect(lines.filter(isJsonLine)).toEqual([]);
    expect(lines.some((line) => /DEBUG.* GET \/healthz 200 [\d.]+ ms/.test(line))).toBe(true);
    expect(lines.some((line) => /DEBUG.* GET \/api\/services\/zis\/integrations\/x\/configs 401 /.test(line))).toBe(
      true,
    );
  });

  it('production on a terminal: every log line is JSON, requests included', { timeout: 60_000 }, async () => {
    const lines = await serveOnTerminal({
      SWITCHBOARD_MODE: 'production',
      SWITCHBOARD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    });
    const logLines = lines.filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(2);
    for (const line of logLines) expect(() => JSON.parse(line), line).not.toThrow();
    const messages = logLines.map((line) => JSON.parse(line).msg);
    expect(messages).toContain('request');
    expect(messages).toContain('shutting down: finishing in-flight requests');
    // Every other line is the banner's (no readable log line).
    expect(lines.some((line) => /^\d\d:\d\d:\d\d\.\d{3} /.test(line))).toBe(false);
  });

  it('LOG_FORMAT=json in development on a terminal: JSON lines', { timeout: 60_000 }, async () => {
    const lines = await serveOnTerminal({ LOG_FORMAT: 'json' });
    expect(lines.filter(isJsonLine).map((line) => JSON.parse(line).msg)).toContain('request');
    expect(lines.some((line) => /^\d\d:\d\d:\d\d\.\d{3} /.test(line))).toBe(false);
  });

  it('an unknown LOG_FORMAT is a clear start error', async () => {
    expect(() => loadSettings({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be "json" or "pretty".*got "xml"/);
    const result = await runCli(['serve', '--port', '0'], { LOG_FORMAT: 'xml' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('LOG_FORMAT must be "json" or "pretty"');
  });
});

describe('the readable line', () => {
  const line = (entry: object) =>
    formatLogLine(JSON.stringify({ level: 30, time: 0, pid: 1, hostname: 'h', ...entry }));

  it('shows level, message and fields, never pid or hostname', () => {
    const text = line({ level: 40, msg: 'pull failed', instance_id: 7, error: 'HTTP 500 from the pull_url' });
    expect(text).toMatch(
      /^\d\d:\d\d:\d\d\.000 WARN {2}pull failed instance_id=7 error="HTTP 500 from the pull_url"\n$/,
    );
  });

  it('shows a request as method, path, status and time, with its id', () => {
    const text = line({
      level: 20,
      msg: 'request',
      reqId: 'r-1',
      method: 'GET',
      url: '/healthz',
      status: 200,
      ms: 1.5,
    });
    expect(text).toMatch(/DEBUG GET \/healthz 200 1\.5 ms req=r-1\n$/);
  });

  it("shows an error's message, and its stack at error level", () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at a (a.js:1:1)' };
    expect(line({ level: 40, msg: 'x', err })).toMatch(/WARN {2}x err=boom\n$/);
    expect(line({ level: 50, msg: 'x', err })).toMatch(/ERROR x err=boom\n {4}at a \(a\.js:1:1\)\n$/);
  });
});
