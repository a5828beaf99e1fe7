import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleIntegration } from '../../../examples/channel-integration/server.js';
import { doctorCli } from '../../../src/cli/doctor-command.js';
import { startBrokenExample } from './fixtures/broken-example.js';

let example: Awaited<ReturnType<typeof startExampleIntegration>>;
let broken: Awaited<ReturnType<typeof startBrokenExample>>;
const dir = mkdtempSync(join(tmpdir(), 'doctor-example-'));

beforeAll(async () => {
  example = await startExampleIntegration({ port: 0 });
  broken = await startBrokenExample(example.url);
});
afterAll(async () => {
  await broken?.close();
  await example?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function doctor(manifestUrl: string, flags: Record<string, unknown>, tty = false) {
  let out = '';
  const code = await doctorCli(
    manifestUrl,
    { metadata: '{"messages_per_pull":2}', channelbackThread: 'example-msg-0', wait: '5', ...flags },
    {},
    { out: (text) => (out += text), err: () => {}, tty },
  );
  return { code, out };
}

describe('switchboard doctor on examples/channel-integration', () => {
  it('passes the example with exit 0: every step runs, no error or warning', async () => {
    const junit = join(dir, 'example.xml');
    const { code, out } = await doctor(`${example.url}/manifest.json`, { junit });
    expect(code).toBe(0);
    expect(out).toContain('0 errors, 0 warnings, 1 note');
    expect(out).not.toContain('\u001b[');
    for (const step of ['manifest', 'admin_ui', 'pull', 'channelback', 'clickthrough', 'events']) {
      expect(out).toMatch(new RegExp(`✓ ${step}`));
    }
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuite name="doctor.pull" tests="1" failures="0"');
    expect(xml).not.toContain('<failure');
  });

  it('reports a broken variant of the example by rule, path and value, grouped, with exit 1', async () => {
    const junit = join(dir, 'broken.xml');
    const { code, out } = await doctor(`${broken.url}/manifest.json`, { junit }, true);
    expect(code).toBe(1);
    expect(out).toContain('\u001b[31m'); // coloured on a terminal
    const plain = out.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '');
    expect(plain).toMatch(
      /error {3}pull\.resource\.created_at\.format external_resources\[0\]\.created_at: must be an ISO 8601/,
    );
    expect(plain).toContain('value "2024-01-01 12:00:00"');
    expect(plain).toMatch(/warning pull\.resource\.external_id\.duplicate external_resources\[2\]\.external_id/);
    expect(plain).toMatch(/warning pull\.resource\.parent_id\.dangling external_resources\[3\]\.parent_id/);
    expect(plain).toContain('https://developer.zendesk.com/');
    expect(plain).toMatch(/\d+ errors?, \d+ warnings?, \d+ notes?/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<failure type="pull.resource.created_at.format"');
    const json = await doctor(`${broken.url}/manifest.json`, { json: true });
    const report = JSON.parse(json.out) as { exit_code: number; findings: { rule: string }[] };
    expect(report.exit_code).toBe(1);
    expect(report.findings.map((f) => f.rule)).toContain('pull.resource.created_at.format');
  });
});
