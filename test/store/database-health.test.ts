import { describe, expect, it } from 'vitest';
import { DatabaseHealth, type AvailabilityChange } from '../../src/store/database-health.js';

describe('DatabaseHealth: each change of availability once', () => {
  it('tells of an outage when it begins and when it ends, not once per failure', () => {
    let now = 1000;
    const health = new DatabaseHealth(() => now);
    const changes: AvailabilityChange[] = [];
    health.onChange((change) => changes.push(change));
    health.succeeded();
    for (let n = 0; n < 5; n++) health.failed(new Error('Connection terminated unexpectedly'), health.epoch);
    now = 3500;
    health.succeeded(health.epoch);
    health.succeeded(health.epoch);
    expect(changes).toEqual([
      { available: false, reason: 'Connection terminated unexpectedly' },
      { available: true, unavailableMs: 2500, failures: 5 },
    ]);
  });

  it('ignores outcomes of operations begun before the last change: stale attempts are no news', () => {
    const health = new DatabaseHealth();
    const changes: boolean[] = [];
    health.onChange((change) => changes.push(change.available));
    const beforeOutage = health.epoch;
    health.failed(new Error('Query read timeout'), health.epoch);
    // Begun before the outage was seen: its late success says nothing about now.
    health.succeeded(beforeOutage);
    expect(health.available).toBe(false);
    const duringOutage = health.epoch;
    health.succeeded(health.epoch);
    // A connection attempt made during the outage, timing out after recovery: not a new outage.
    health.failed(new Error('Connection terminated due to connection timeout'), duringOutage);
    expect(health.available).toBe(true);
    expect(changes).toEqual([false, true]);
  });

  it('hands the warnings found so far to a late listener, and later ones as they come', () => {
    const health = new DatabaseHealth();
    health.warn('first');
    const heard: string[] = [];
    health.onWarning((warning) => heard.push(warning));
    health.warn('second');
    expect(heard).toEqual(['first', 'second']);
  });
});
