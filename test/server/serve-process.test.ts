import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';

const configs = '/api/services/zis/integrations/my_integration/configs';

describe('switchboard serve as a process', () => {
  const dir = tempDir();
  const database = `sqlite:${join(dir.path, 'switchboard.db')}`;
  const env = { SWITCHBOARD_DATA_DIR: dir.path };
  afterAll(() => dir.remove());

  it('on first run creates dev credentials, keeps them 0600, and prints a curl line that works', async () => {
    const server = await startServeProcess(database, env);
    try {
      const output = server.output();
      expect(output).toContain('First run: created a development account.');
      const file = join(dir.path, 'dev-credentials.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const credentials = JSON.parse(readFileSync(file, 'utf8'));
      expect(credentials).toMatchObject({ subdomain: 'dev', integration: 'my_integration' });
      expect(output).toContain(credentials.access_token);

      // The printed lines, run as printed and in order (curl is how a user runs them).
      const curlLine = output.split('\n').find((line) => line.includes('curl -g'))!;
      const url = /'(http[^']+)'/.exec(curlLine)![1]!;
      expect(url.startsWith(server.baseUrl)).toBe(true);
      // Before any config exists the list answers 404, as the vendor's does.
      const empty = await call(url, 'GET', '', { token: credentials.access_token });
      expect(empty.status).toBe(404);
      expect(empty.json.errors[0]).toMatchObject({ code: '1110', status: '404' });
      const postLine = output.split('\n').find((line) => line.includes('curl -X POST'))!;
      const postUrl = /-X POST (\S+)/.exec(postLine)![1]!;
      const postBody = /-d '([^']+)'/.exec(postLine)![1]!;
      const created = await call(postUrl, 'POST', '', {
        token: credentials.access_token,
        rawBody: postBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(created.status).toBe(201);
      const listed = await call(url, 'GET', '', { token: credentials.access_token });
      expect(listed.status).toBe(200);
      expect(listed.json.configs.map((c: { scope: string }) => c.scope)).toEqual(['my_scope']);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('prints a "Try it" write that works on every start: a create first, a merge once it exists', async () => {
    /** Runs the banner's lines under "Try it:" as a user would (sh and curl), each one's output. */
    const runTryIt = (output: string) => {
      const lines = output.split('\n');
      const start = lines.indexOf('Try it:');
      return lines.slice(start + 1, start + 3).map((line) => {
        const run = spawnSync('sh', ['-c', line.trim()], { encoding: 'utf8' });
        expect(run.status, run.stderr).toBe(0);
        return { line, answer: JSON.parse(run.stdout) };
      });
    };
    // The first test ran the first start's create: this data already holds my_scope.
    for (let start = 0; start < 2; start++) {
      const server = await startServeProcess(database, env);
      try {
        const [write, list] = runTryIt(server.output());
        expect(write!.line).toContain('curl -X PATCH');
        expect(write!.answer.errors).toBeUndefined();
        expect(write!.answer.config).toMatchObject({ scope: 'my_scope', config: { enabled: true } });
        expect(list!.answer.configs.map((c: { scope: string }) => c.scope)).toContain('my_scope');
      } finally {
        await server.stop();
      }
    }
  });

  it('keeps an acknowledged write across a crash (SIGKILL) and a restart', async () => {
    const { access_token: token } = JSON.parse(readFileSync(join(dir.path, 'dev-credentials.json'), 'utf8'));
    const first = await startServeProcess(database, env);
    expect(first.output()).toContain('Development account (created on first run)');
    const writes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(first.baseUrl, 'POST', configs, { token, body: { scope: `crash_${i}`, config: { i } } }),
      ),
    );
    expect(writes.every((w) => w.status === 201)).toBe(true);
    await first.stop('SIGKILL');

    const second = await startServeProcess(database, env);
    try {
      const listed = await call(second.baseUrl, 'GET', `${configs}?filter[scope]=crash_*`, { token });
      expect(
        listed.json.configs.map((c: { config: { i: number } }) => c.config.i).sort((a: number, b: number) => a - b),
      ).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      await second.stop();
    }
  });

  it('on SIGTERM finishes in-flight requests, then exits 0', async () => {
    const { access_token: token } = JSON.parse(readFileSync(join(dir.path, 'dev-credentials.json'), 'utf8'));
    const server = await startServeProcess(database, env);
    const url = new URL(`${server.baseUrl}${configs}`);
    const body = JSON.stringify({ scope: 'in_flight', config: { survived: true } });
    // A request whose body is still arriving when SIGTERM lands: it is in flight for sure.
    let exited: Promise<number | null> | undefined;
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        exited = server.stop('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 300);
    });
    const { status, text } = await answer;
    expect(status).toBe(201);
    expect(JSON.parse(text).config.config).toEqual({ survived: true });
    expect(await exited).toBe(0);
    expect(server.output()).toContain('shutting down');

    // New connections are refused once it is gone, and the in-flight write is on disk.
    const again = await startServeProcess(database, env);
    try {
      const got = await call(again.baseUrl, 'GET', `${configs}/in_flight`, { token });
      expect(got.json.config.config).toEqual({ survived: true });
    } finally {
      await again.stop();
    }
  });

  it('does not create dev credentials in production mode', async () => {
    const prodDir = tempDir();
    try {
      const server = await startServeProcess(`sqlite:${join(prodDir.path, 'p.db')}`, {
        SWITCHBOARD_DATA_DIR: prodDir.path,
        SWITCHBOARD_MODE: 'production',
        SWITCHBOARD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      });
      expect(server.output()).not.toContain('First run');
      expect(existsSync(join(prodDir.path, 'dev-credentials.json'))).toBe(false);
      await server.stop();
    } finally {
      prodDir.remove();
    }
  });
});
