import { describe, expect, it } from 'vitest';
import { problemFindings } from '../../../src/channels/inspector/exchange-findings.js';
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

describe('findings from the pull validator', () => {
  it('names each problem by rule, path and message', () => {
    const result = validatePullResponse({
      external_resources: [
        { external_id: 'a', message: 'm', created_at: 'soon', author: { external_id: 'u', name: 'U' } },
      ],
      state: 'x'.repeat(5001),
    });
    expect(result.ok).toBe(false);
    const findings = problemFindings('pull', result.ok ? [] : result.problems);
    expect(findings.map(({ rule, path, severity }) => ({ rule, path, severity }))).toEqual([
      { rule: 'pull.resource.created_at', path: 'external_resources[0].created_at', severity: 'error' },
      { rule: 'pull.state', path: 'state', severity: 'error' },
    ]);
    expect(findings[1]!.message).toMatch(/5000/);
  });

  it('names the root and a shortened list', () => {
    expect(problemFindings('channelback', ['(channelback response): must be a JSON object; got an array'])).toEqual([
      { rule: 'channelback.body.object', severity: 'error', message: 'must be a JSON object; got an array' },
    ]);
    expect(problemFindings('pull', ['… and 3 more problems'])).toEqual([
      { rule: 'pull.problems.more', severity: 'note', message: '… and 3 more problems' },
    ]);
  });
});
