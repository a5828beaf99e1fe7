import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/processes.js';
import { storeKinds } from '../../helpers/stores.js';
import { changesPath, configsPath, openFeedFixture } from './feed-fixture.js';

type Fixture = Awaited<ReturnType<typeof openFeedFixture>>;

const bin = fileURLToPath(new URL('../../../bin/switchboard.js', import.meta.url));

/** `switchboard configs watch` as a child process; its stdout lines as they come. */
function startWatch(args: string[]) {
  const child = spawn(process.execPath, [bin, 'configs', 'watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    lines: () => stdout.split('\n').filter(Boolean),
    stderr: () => stderr,
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

describe.each(storeKinds)('switchboard configs watch on $name', (kind) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await openFeedFixture(kind);
  });
  afterAll(async () => f.close());

  it('prints the changes after --since, then each new one as it is made, one line each', async () => {
    const since = (await f.req('GET', changesPath())).json.next_since;
    await f.write('cli/a', { n: 1 });
    await f.write('cli/skip', { n: 1 });
    const watch = startWatch([
      'feed',
      '--account',
      'acme',
      '--since',
      String(since),
      '--filter',
      'cli/a*',
      '--database',
      f.opened.url,
    ]);
    try {
      await expect.poll(() => watch.lines().length, { timeout: 40_000 }).toBe(1);
      await f.write('cli/a', { n: 2 });
      await f.req('DELETE', `${configsPath()}/cli%2Fa`);
      await expect.poll(() => watch.lines().length, { timeout: 10_000 }).toBe(3);
      const etag = `"\\d+-\\d+"`;
      expect(watch.lines()[0]).toMatch(new RegExp(`^${since + 1} \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z create cli/a ${etag}$`));
      expect(watch.lines()[1]).toMatch(new RegExp(`^${since + 3} \\S+ merge cli/a ${etag}$`));
      expect(watch.lines()[2]).toMatch(new RegExp(`^${since + 4} \\S+ delete cli/a ${etag}$`));
    } finally {
      expect(await watch.stop()).toBe(0);
    }
    expect(watch.stderr()).toBe('');
  }, 90_000);

  it('prints JSON lines with --json', async () => {
    const since = (await f.req('GET', changesPath())).json.next_since;
    await f.write('cli/json', { n: 1 });
    const watch = startWatch([
      'feed',
      '--account',
      'acme',
      '--since',
      String(since),
      '--json',
      '--database',
      f.opened.url,
    ]);
    try {
      await expect.poll(() => watch.lines().length, { timeout: 40_000 }).toBe(1);
      expect(JSON.parse(watch.lines()[0]!)).toMatchObject({ revision: since + 1, scope: 'cli/json', config: { n: 1 } });
    } finally {
      expect(await watch.stop()).toBe(0);
    }
  }, 90_000);

  it('refuses a compacted --since, an unknown integration and a bad filter, with exit code 1', async () => {
    await f.write('cli/c', { n: 1 });
    await f.write('cli/c', { n: 2 });
    await f.opened.store.compactConfigRevisions({
      cutoffSeconds: Math.floor(Date.now() / 1000) + 3600,
      keepPerScope: 1,
      batchSize: 100,
    });
    const db = ['--database', f.opened.url];
    const [gone, unknown, filter] = await Promise.all([
      runCli(['configs', 'watch', 'feed', '--account', 'acme', '--since', '0', ...db]),
      runCli(['configs', 'watch', 'nope', '--account', 'acme', ...db]),
      runCli(['configs', 'watch', 'feed', '--account', 'acme', '--filter', '', ...db]),
    ]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/older than the retained history/);
    expect(unknown.stderr).toMatch(/no integration "nope"/);
    expect(filter.stderr).toMatch(/--filter: filter\[scope\] must not be empty/);
  }, 90_000);
});
