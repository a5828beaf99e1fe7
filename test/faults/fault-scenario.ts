// One fault scenario from start to end: load on the nodes, the fault, the wait for every node
// to serve again, a little healthy load after, then the checks every scenario shares.

import { expect } from 'vitest';
import {
  recoveryBoundMs,
  lateOrUnanswered,
  lostWrites,
  slowRecoveries,
  undocumentedFailures,
  waitForWrites,
} from './fault-checks.js';
import { prepareLoad, startLoad, succeeded, type AcknowledgedWrite, type Outcome } from './fault-load.js';
import type { FaultNode } from './fault-nodes.js';

/** When the fault began and when the database was reachable again (`performance.now()`). */
export interface FaultTimes {
  faultAt: number;
  reachableAt: number;
}

export interface ScenarioRun extends FaultTimes {
  prefix: string;
  outcomes: Outcome[];
  acknowledged: AcknowledgedWrite[];
}

export interface Scenario {
  /** Scope prefix, letters only: one scenario's writes apart from another's. */
  prefix: string;
  nodes: FaultNode[];
  /** Causes the fault and ends it; resolves with its times. */
  fault: () => Promise<FaultTimes>;
  writersPerNode?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first few violations and how many more: hundreds of lines would hide the point. */
export const firstFew = (found: string[], few = 8) =>
  found.length <= few ? found : [...found.slice(0, few), `… and ${found.length - few} more`];

/**
 * Load for 1 s, the fault, the wait for every node to write again, then more load: at
 * least 1.5 s, and until past the recovery bound.
 */
export async function runScenario({ prefix, nodes, fault, writersPerNode }: Scenario): Promise<ScenarioRun> {
  await prepareLoad({ prefix, nodes, writersPerNode });
  const load = startLoad({ prefix, nodes, writersPerNode });
  try {
    await sleep(1_000);
    const times = await fault();
    await waitForWrites(
      load.outcomes,
      nodes.map((node) => node.name),
      times.reachableAt,
    );
    // Load goes on past the recovery bound, where every request must succeed.
    await sleep(Math.max(1_500, times.reachableAt + recoveryBoundMs + 500 - performance.now()));
    await load.stop();
    return { prefix, ...times, outcomes: load.outcomes, acknowledged: load.acknowledged };
  } finally {
    await load.stop();
  }
}

/** A short account of the run for the test log: what was measured, in ms from the fault. */
export function summary(name: string, run: ScenarioRun): string {
  const { outcomes, faultAt, reachableAt } = run;
  const failed = outcomes.filter((o) => !succeeded(o));
  const byStatus = new Map<number, number>();
  for (const o of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
  const slowest = Math.max(...outcomes.map((o) => o.ended - o.started));
  return `${name}: ${JSON.stringify({
    requests: outcomes.length,
    acknowledgedWrites: run.acknowledged.length,
    statuses: Object.fromEntries(byStatus),
    failedRequests: failed.length,
    reachableAfterMs: Math.round(reachableAt - faultAt),
    slowestMs: Math.round(slowest),
  })}`;
}

/**
 * The checks every scenario shares: every request answered within its bound + 1 s, no
 * answer but success or the documented 503, every node serving within 5 s of the database
 * being reachable, and every acknowledged write found (read on `primaryUrl`, directly).
 */
export async function expectSharedChecks(
  run: ScenarioRun,
  nodes: FaultNode[],
  primaryUrl: string,
  /** The scenario's own checks' violations, shown beside the shared ones. */
  own: Record<string, string[]> = {},
): Promise<void> {
  const names = nodes.map((node) => node.name);
  const before = run.outcomes.filter((o) => o.ended < run.faultAt);
  expect(before.length, 'requests before the fault').toBeGreaterThan(0);
  expect(run.acknowledged.length, 'acknowledged writes (none would make "no write lost" say nothing)').toBeGreaterThan(
    10,
  );
  const ownFew = Object.fromEntries(Object.entries(own).map(([name, found]) => [name, firstFew(found)]));
  const none = Object.fromEntries(Object.keys(own).map((name) => [name, []]));
  expect({
    ...ownFew,
    lateOrUnanswered: firstFew(lateOrUnanswered(run.outcomes)),
    undocumentedFailures: firstFew(undocumentedFailures(run.outcomes)),
    slowRecoveries: firstFew(slowRecoveries(run.outcomes, names, run.reachableAt)),
    lostWrites: firstFew(await lostWrites(primaryUrl, run.prefix, run.acknowledged)),
    nodesExited: nodes.filter((node) => node.process.child.exitCode !== null).map((node) => node.tail()),
  }).toEqual({
    ...none,
    lateOrUnanswered: [],
    undocumentedFailures: [],
    slowRecoveries: [],
    lostWrites: [],
    nodesExited: [],
  });
}
