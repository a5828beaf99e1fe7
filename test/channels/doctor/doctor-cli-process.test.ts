import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/processes.js';
import { startFixtures, type FixtureServer } from './fixtures/fixture-integrations.js';

let fixtures: FixtureServer;
beforeAll(async () => {
  fixtures = await startFixtures();
});
afterAll(async () => {
  await fixtures?.close();
});

/** The real `switchboard` binary: its exit status is the report's. */
describe('switchboard doctor as a process', () => {
  it('exits 0 on a correct integration, 1 on errors, 2 when it cannot run', async () => {
    const correct = await runCli(['doctor', fixtures.manifestUrl('correct'), '--metadata', '{}', '--json']);
    expect(correct.code).toBe(0);
    expect(JSON.parse(correct.stdout).exit_code).toBe(0);
    expect(correct.stderr).toMatch(/^Doctor host on http:\/\/127\.0\.0\.1:\d+/);

    const broken = await runCli(['doctor', fixtures.manifestUrl('events-500'), '--metadata', '{}']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('error   events.status events[0].type_id');

    const usage = await runCli(['doctor', fixtures.manifestUrl('correct'), '--wait', 'soon']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--wait must be whole seconds');
  });
});
