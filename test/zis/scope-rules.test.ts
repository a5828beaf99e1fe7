import { describe, expect, it } from 'vitest';
import { etagOf, ifMatchAllows, ifNoneMatchHits } from '../../src/zis/configs/etag.js';
import { parseScopeFilter } from '../../src/zis/configs/scope-filter.js';
import { isIntegrationName, scopeProblem } from '../../src/zis/names.js';
import type { ConfigRecord } from '../../src/store/store.js';

describe('scope and integration name rules', () => {
  it.each([
    ['my_scope', undefined],
    ['foo/bar', undefined],
    ['ünïcode ✓', undefined],
    ['s'.repeat(255), undefined],
    ['s'.repeat(256), /at most 255/],
    ['', /empty/],
    ['a*b', /wildcard/],
    ['tab\there', /U\+0009/],
    ['del\u007f', /U\+007F/],
  ])('scope %j', (scope, problem) => {
    const found = scopeProblem(scope);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });

  it.each([
    ['my_integration', true],
    ['a-b_c9', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['Upper', false],
    ['dot.name', false],
    ['', false],
  ])('integration name %j is valid: %s', (name, valid) => {
    expect(isIntegrationName(name)).toBe(valid);
  });

  it('splits filter[scope] on its wildcards, collapsing runs', () => {
    expect(parseScopeFilter('foo*')).toEqual({ pattern: ['foo', ''] });
    expect(parseScopeFilter('*a**b*')).toEqual({ pattern: ['', 'a', 'b', ''] });
    expect(parseScopeFilter('exact')).toEqual({ pattern: ['exact'] });
    expect(parseScopeFilter('')).toEqual({ problem: expect.stringContaining('empty') });
    expect(parseScopeFilter(`${'x'.repeat(256)}*`)).toEqual({ problem: expect.stringContaining('255') });
    expect(parseScopeFilter('a\nb')).toEqual({ problem: expect.stringContaining('control') });
  });
});

describe('ETags', () => {
  const config = { id: 7, version: 3 } as ConfigRecord;
  it('is strong, from id and version', () => {
    expect(etagOf(config)).toBe('"7-3"');
  });
  it('If-Match takes *, lists, and refuses weak or stale tags', () => {
    expect(ifMatchAllows(undefined, config)).toBe(true);
    expect(ifMatchAllows('*', config)).toBe(true);
    expect(ifMatchAllows('"1-1", "7-3"', config)).toBe(true);
    expect(ifMatchAllows('W/"7-3"', config)).toBe(false);
    expect(ifMatchAllows('"7-2"', config)).toBe(false);
  });
  it('If-None-Match hits on the current tag, weak or strong', () => {
    expect(ifNoneMatchHits('"7-3"', etagOf(config))).toBe(true);
    expect(ifNoneMatchHits('W/"7-3"', etagOf(config))).toBe(true);
    expect(ifNoneMatchHits('"7-2"', etagOf(config))).toBe(false);
    expect(ifNoneMatchHits(undefined, etagOf(config))).toBe(false);
  });
});
