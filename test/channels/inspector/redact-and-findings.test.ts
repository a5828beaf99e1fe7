import { describe, expect, it } from 'vitest';
import {
  notJsonFinding,
  nulFinding,
  outboundFinding,
  statusFinding,
} from '../../../src/channels/inspector/exchange-findings.js';
import { OutboundError } from '../../../src/channels/outbound/outbound-error.js';
import { RULES } from '../../../src/channels/protocol/rules.js';
import { redactForm, redactJson } from '../../../src/channels/inspector/redact-body.js';
import { validatePullResponse } from '../../../src/channels/protocol/pull-response.js';

describe('redacting bodies', () => {
  it('hides metadata, state and any token in JSON at any depth, and nothing else', () => {
    const body = JSON.stringify({
      external_resources: [{ external_id: 'a', message: 'state of things' }],
      state: 'st"ate',
      metadata: '{"token":"x"}',
      data: { access_token: 'abc', push_token: 'é', name: 'kept' },
    });
    const shown = redactJson(body);
    expect(JSON.parse(shown)).toEqual({
      external_resources: [{ external_id: 'a', message: 'state of things' }],
      state: '[redacted: 6 characters]',
      metadata: '[redacted: 13 characters]',
      data: { access_token: '[redacted: 3 characters]', push_token: '[redacted: 1 characters]', name: 'kept' },
    });
  });

  it('hides a secret cut short at the end of a cut body', () => {
    expect(redactJson('{"external_resources":[],"state":"abcdef')).toBe(
      '{"external_resources":[],"state":"[redacted: 6 characters]"',
    );
    expect(redactJson('{"metadata":"abc\\')).toBe('{"metadata":"[redacted: 3 characters]"');
  });

  it('hides the secret fields of a form, counting decoded characters', () => {
    const form = new URLSearchParams([
      ['message', 'hi & bye'],
      ['metadata', '{"k":"✓"}'],
      ['state', ''],
      ['request_unique_identifier', 'r-1'],
    ]).toString();
    expect(redactForm(form)).toBe(
      'message=hi+%26+bye&metadata=[redacted: 9 characters]&state=[redacted: 0 characters]&request_unique_identifier=r-1',
    );
  });
});

describe('findings of an exchange, by the rule catalogue', () => {
  it('takes the validator findings as they are: catalogue ids, paths and severities', () => {
    const result = validatePullResponse({
      external_resources: [
        { external_id: 'a', message: 'm', created_at: 'soon', author: { external_id: 'u', name: 'U' } },
      ],
      state: 'x'.repeat(5001),
    });
    expect(result.ok).toBe(false);
    const findings = result.ok ? [] : result.findings;
    expect(findings.map(({ rule, path, severity }) => ({ rule, path, severity }))).toEqual([
      { rule: 'pull.resource.created_at.format', path: 'external_resources[0].created_at', severity: 'error' },
      { rule: 'pull.state.length', path: 'state', severity: 'error' },
    ]);
    for (const { rule } of findings) expect(RULES.has(rule), rule).toBe(true);
  });

  it('names status, JSON, NUL and transport failures by catalogue rules', () => {
    const found = [
      statusFinding('pull', 500, '200'),
      statusFinding('event_batch', 404, '2xx'),
      statusFinding('manifest', 404, '200'),
      notJsonFinding('channelback', 'Unexpected token'),
      nulFinding('pull'),
      nulFinding('channelback'),
      outboundFinding('pull', new OutboundError('timeout', 'timed out')),
      outboundFinding('pull', new OutboundError('network', 'refused')),
    ].map((f) => f.rule);
    expect(found).toEqual([
      'pull.status',
      'events.status',
      'manifest.fetch',
      'channelback.json',
      'pull.nul',
      'channelback.json',
      'pull.time.timeout',
      'pull.status',
    ]);
    for (const rule of found) expect(RULES.has(rule), rule).toBe(true);
  });
});
