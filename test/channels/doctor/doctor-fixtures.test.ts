import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorCli, type DoctorFlags } from '../../../src/cli/doctor-command.js';
import { RULES } from '../../../src/channels/protocol/rules.js';
import { BROKEN_RESOURCE_RULES } from './fixtures/bad-resources.js';
import { FIXTURE_PULL_TIMEOUT_MS, startFixtures, type FixtureServer } from './fixtures/fixture-integrations.js';
import { hostOnlyFindings } from './fixtures/host-only-rules.js';

interface JsonReport {
  exit_code: number;
  counts: { error: number; warning: number; note: number };
  findings: { rule: string; severity: string; path?: string; value?: string; link: string; message: string }[];
  steps: { step: string; status: string }[];
}

let fixtures: FixtureServer;
const reports = new Map<string, { code: number; report: JsonReport }>();

/** Runs `switchboard doctor --json` in-process against a fixture variant (real HTTP on loopback). */
async function doctor(variant: string, flags: DoctorFlags = {}) {
  let out = '';
  const code = await doctorCli(
    fixtures.manifestUrl(variant),
    { metadata: '{"token":"s3cret-metadata"}', wait: '10', channelbackThread: 'msg-0', json: true, ...flags },
    // The short host timeout only where a fixture plants a slow pull: it bounds every call
    // to the integration (as the host's does), and a cold first call may take a while.
    variant === 'bad-pull' ? { SWITCHBOARD_PULL_TIMEOUT_MS: String(FIXTURE_PULL_TIMEOUT_MS) } : {},
    { out: (text) => (out += text), err: () => {}, tty: false },
  );
  const report = JSON.parse(out) as JsonReport;
  reports.set(`${variant} ${JSON.stringify(flags)}`, { code, report });
  return { code, report, rules: new Set(report.findings.map((f) => f.rule)) };
}

beforeAll(async () => {
  fixtures = await startFixtures();
});
afterAll(async () => {
  await fixtures?.close();
});

/** Each variant and the rules it plants: the doctor must find every one. */
const planted: Record<string, string[]> = {
  'bad-manifest': [
    'manifest.content_type',
    'manifest.id.type',
    'manifest.urls.entry.format',
    'manifest.urls.https',
    'manifest.unknown_field',
  ],
  'bad-manifest-types': [
    'manifest.name.type',
    'manifest.id.length',
    'manifest.version.length',
    'manifest.author.type',
    'manifest.push_client_id.type',
    'manifest.channelback_files.type',
    'manifest.create_followup_tickets.type',
    'manifest.urls.entry.length',
    'manifest.urls.entry.type',
  ],
  'bad-manifest-lengths': [
    'manifest.name.length',
    'manifest.version.type',
    'manifest.author.length',
    'manifest.push_client_id.length',
    'manifest.urls.type',
  ],
  'bad-manifest-root': ['manifest.type'],
  'manifest-not-json': ['manifest.json'],
  'no-such-variant': ['manifest.fetch'],
  'bad-admin-ui': ['admin_ui.html', 'admin_ui.form', 'admin_ui.status'],
  'bad-pull': [
    'pull.state.length',
    'pull.resource.external_id.duplicate',
    'pull.resource.created_at.format',
    'pull.resource.parent_id.dangling',
    'pull.time.slow',
    'pull.time.timeout',
    'pull.metadata_needs_update.set',
  ],
  'bad-pull-envelope': [
    'pull.external_resources.type',
    'pull.external_resources.length',
    'pull.state.type',
    'pull.metadata.type',
    'pull.metadata.length',
    'pull.metadata_needs_update.type',
  ],
  'broken-pull': ['pull.status', 'pull.json', 'pull.nul'],
  'huge-pull': ['pull.type', 'pull.size'],
  'bad-resources': [
    'manifest.source.both',
    ...BROKEN_RESOURCE_RULES.map((rule) => `pull.resource.${rule}`),
    ...BROKEN_RESOURCE_RULES.map((rule) => `push.resource.${rule}`),
    'push.type',
    'push.instance_push_id.type',
    'push.instance_push_id.length',
    'push.request_id.type',
    'push.request_id.length',
    'push.external_resources.type',
    'push.external_resources.length',
  ],
  'silent-push': ['push.missing'],
  'double-channelback': ['channelback.repeat.external_id', 'clickthrough.status'],
  'bad-channelback': [
    'channelback.external_id.format',
    'channelback.allow_channelback.type',
    'channelback.metadata_needs_update.type',
    'channelback.metadata.length',
    'channelback.json',
  ],
  'bad-channelback-more': [
    'channelback.external_id.type',
    'channelback.metadata.type',
    'channelback.external_id.length',
  ],
  'broken-channelback': ['channelback.status', 'channelback.type'],
  'events-500': ['events.status', 'manifest.source.none'],
};

describe('switchboard doctor on fixture integrations', () => {
  it.each(Object.entries(planted))('finds every fault planted in %s', async (variant, rules) => {
    const { code, report, rules: found } = await doctor(variant, variant === 'silent-push' ? { wait: '1' } : {});
    expect([...rules].filter((rule) => !found.has(rule))).toEqual([]);
    // Exit 1 exactly when an error is found (silent-push plants only a warning: exit 0).
    const plantsError = rules.some((rule) => RULES.get(rule)?.severity === 'error');
    expect(code).toBe(plantsError ? 1 : 0);
    expect(report.findings.some((f) => f.severity === 'error')).toBe(plantsError);
    // Every finding names a catalogue rule and its vendor page; metadata never appears.
    for (const finding of report.findings) {
      expect(RULES.get(finding.rule)?.link).toBe(finding.link);
      expect(JSON.stringify(finding)).not.toContain('s3cret-metadata');
    }
  });

  it('finds nothing (no error, no warning) on the correct integrations', async () => {
    for (const variant of ['correct', 'correct-push']) {
      const { code, report } = await doctor(variant);
      expect(report.findings.filter((f) => f.severity !== 'note')).toEqual([]);
      expect(code).toBe(0);
      expect(report.steps.filter((s) => s.status === 'failed')).toEqual([]);
    }
    const correct = reports.get('correct {}')!.report;
    expect(correct.steps.map((s) => `${s.step} ${s.status}`)).toEqual([
      'manifest ran',
      'admin_ui ran',
      'pull ran',
      'push skipped',
      'channelback ran',
      'clickthrough ran',
      'events ran',
    ]);
    // Pull 3 repeats pull 2's state: the same resources come back, a note.
    expect(correct.findings.map((f) => f.rule)).toEqual(['pull.resource.repeated']);
    expect(reports.get('correct-push {}')!.report.steps.find((s) => s.step === 'push')?.status).toBe('ran');
  });

  it('reports a hand-off nobody completed, and exit 2 when the integration cannot be reached', async () => {
    const { code, rules } = await doctor('correct', { metadata: undefined, wait: '0' });
    expect([...rules]).toEqual(['admin_ui.handoff']);
    expect(code).toBe(1);
    let out = '';
    const unreachable = await doctorCli(
      'http://127.0.0.1:1/manifest.json',
      { json: true },
      {},
      { out: (text) => (out += text), err: () => {}, tty: false },
    );
    expect(unreachable).toBe(2);
    expect(JSON.parse(out).could_not_run).toMatch(/could not be fetched/);
  });

  it('triggers every rule of the catalogue with some fixture', () => {
    expect(reports.size).toBeGreaterThanOrEqual(Object.keys(planted).length + 3);
    const triggered = new Set([...reports.values()].flatMap(({ report }) => report.findings.map((f) => f.rule)));
    for (const found of hostOnlyFindings()) triggered.add(found.rule);
    const untriggered = [...RULES.keys()].filter((id) => !triggered.has(id));
    expect(untriggered).toEqual([]);
  });
});
