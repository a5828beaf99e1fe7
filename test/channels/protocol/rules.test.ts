import { describe, expect, it } from 'vitest';
import { validatePullResponse } from '../../../src/channels/protocol/pull-response.js';
import { validatePushRequest } from '../../../src/channels/protocol/push-request.js';
import { validateManifest } from '../../../src/channels/protocol/manifest.js';
import { validateAdminUiReturn } from '../../../src/channels/protocol/admin-ui-return.js';
import { validateChannelbackResponse } from '../../../src/channels/protocol/channelback-response.js';
import { RULES } from '../../../src/channels/protocol/rules.js';
import { minimalResource } from './fixtures.js';

describe('the rule catalogue', () => {
  it('gives every rule an id, a severity, a summary and a vendor link', () => {
    expect(RULES.size).toBeGreaterThan(100);
    for (const [id, rule] of RULES) {
      expect(rule.id).toBe(id);
      expect(id).toMatch(/^[a-z_]+(\.[a-z_]+)+$/);
      expect(['error', 'warning', 'note']).toContain(rule.severity);
      expect(rule.summary.length).toBeGreaterThan(5);
      expect(rule.link).toMatch(/^https:\/\/developer\.zendesk\.com\//);
    }
  });

  it('names a pulled resource field, its kind, and the path with its index', () => {
    const result = validatePullResponse({
      external_resources: [
        minimalResource(),
        minimalResource({ created_at: 'yesterday', author: { external_id: '' } }),
      ],
      state: 'x'.repeat(5001),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.findings).toEqual([
      {
        rule: 'pull.resource.created_at.format',
        severity: 'error',
        path: 'external_resources[1].created_at',
        message: expect.stringContaining('must be an ISO 8601 date-time'),
      },
      {
        rule: 'pull.resource.author.external_id.length',
        severity: 'error',
        path: 'external_resources[1].author.external_id',
        message: 'must be 1–255 characters; got 0',
      },
      {
        rule: 'pull.state.length',
        severity: 'error',
        path: 'state',
        message: 'must be at most 5000 characters; got 5001',
      },
    ]);
    // The problem lines (API details, the pull log) are the findings as `path: message`.
    expect(result.problems[2]).toBe('state: must be at most 5000 characters; got 5001');
  });

  it('uses the push family for pushed resources and maps array items and manifest URLs', () => {
    const push = validatePushRequest({
      instance_push_id: 'p',
      external_resources: [minimalResource({ file_urls: ['http://x.test/a'], fields: [7] })],
    });
    expect(push.ok && push.resources[0]?.ok === false && push.resources[0].findings.map((f) => f.rule)).toEqual([
      'push.resource.fields.item.type',
      'push.resource.file_urls.item.format',
    ]);
    const manifest = validateManifest({ name: 'n', urls: { admin_ui: 'ftp://x', pull_url: 42 } }, 'https://a.test/m');
    expect(!manifest.ok && manifest.findings.map((f) => f.rule)).toEqual([
      'manifest.id.type',
      'manifest.urls.entry.format',
      'manifest.urls.entry.type',
    ]);
    const form = validateAdminUiReturn({ name: ['a', 'b'], metadata: 'x'.repeat(5001) });
    expect(!form.ok && form.findings.map((f) => f.rule)).toEqual([
      'admin_ui.return.name.repeated',
      'admin_ui.return.metadata.length',
    ]);
    const answer = validateChannelbackResponse({ external_id: ' x' });
    expect(!answer.ok && answer.findings.map((f) => f.rule)).toEqual(['channelback.external_id.format']);
  });
});
