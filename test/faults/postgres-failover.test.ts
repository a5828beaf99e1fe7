// A primary with a synchronous streaming standby behind a stable endpoint (a TCP proxy), two
// nodes under load. First the endpoint points at the standby for a while (a failover in
// progress): writes answer 503, never 500, and /readyz says not ready; then back. Then the
// primary's postmaster is killed (kill -9), the standby promoted and the endpoint moved to
// it. Each: answers within bounds, no 500, both nodes serving within 5 s, and no
// acknowledged write lost (synchronous replication: each was on the standby).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { tempDir } from '../helpers/server.js';
import {
  createSynchronousPair,
  killPostmaster,
  throwawayPostgresProblem,
  type SynchronousPair,
} from '../helpers/throwaway-postgres.js';
import { describeOutcome, isWrite } from './fault-load.js';
import { startFaultNode, type FaultNode } from './fault-nodes.js';
import { expectSharedChecks, runScenario, summary } from './fault-scenario.js';

const problem = await throwawayPostgresProblem();
const inCi = process.env.CI === 'true';
if (problem && !inCi) console.warn(`PostgreSQL failover fault test skipped: ${problem}.`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(problem !== undefined && !inCi)('PostgreSQL failover under load, two nodes', () => {
  const dir = tempDir();
  let pair: SynchronousPair;
  let proxy: TcpProxy;
  const nodes: FaultNode[] = [];

  beforeAll(async () => {
    if (problem) throw new Error(`CI must run the PostgreSQL fault tests, but: ${problem}`);
    pair = await createSynchronousPair();
    proxy = await startTcpProxy(pair.primary.port);
    nodes.push(await startFaultNode('a', proxy.urlThrough(pair.primary.url), dir.path));
    nodes.push(await startFaultNode('b', proxy.urlThrough(pair.primary.url), dir.path));
  });

  afterAll(async () => {
    try {
      await Promise.all(nodes.map((node) => node.kill()));
      await proxy?.close();
    } finally {
      await pair?.standby.destroy();
      await pair?.primary.destroy();
      dir.remove();
    }
  });

  it('the endpoint on a standby: writes 503 (not 500), /readyz not ready; then back', async () => {
    let onStandbyAt = 0;
    let backAt = 0;
    const run = await runScenario({
      prefix: 'onstandby',
      nodes,
      fault: async () => {
        // The endpoint moves: new connections go to the standby, the open ones are cut.
        onStandbyAt = performance.now();
        proxy.retarget(pair.standby.port);
        proxy.resetAll();
        await sleep(2 * 2_000);
        backAt = performance.now();
        proxy.retarget(pair.primary.port);
        proxy.resetAll();
        return { faultAt: onStandbyAt, reachableAt: backAt };
      },
    });
    console.log(summary('endpoint on a standby', run));
    const whileOnStandby = run.outcomes.filter((o) => o.started > onStandbyAt && o.ended < backAt);
    const writes = whileOnStandby.filter(isWrite);
    const readyz = whileOnStandby.filter((o) => o.kind === 'readyz');
    expect(writes.length, 'writes while the endpoint was on the standby').toBeGreaterThan(2);
    expect(readyz.length, '/readyz while the endpoint was on the standby').toBeGreaterThan(2);
    await expectSharedChecks(run, nodes, pair.primary.url, {
      writesOnStandbyNot503: writes.filter((o) => o.status !== 503).map(describeOutcome),
      readyzOnStandbyNot503: readyz.filter((o) => o.status !== 503).map(describeOutcome),
    });
  }, 45_000);

  it('kill -9 of the primary, promotion of its synchronous standby, the endpoint moved to it', async () => {
    let killedAt = 0;
    const run = await runScenario({
      prefix: 'killpromote',
      nodes,
      fault: async () => {
        killedAt = performance.now();
        await killPostmaster(pair.primary);
        await pair.standby.promote();
        proxy.retarget(pair.standby.port);
        // What is left of connections to the dead server goes, as when an endpoint moves.
        proxy.resetAll();
        return { faultAt: killedAt, reachableAt: performance.now() };
      },
    });
    console.log(summary('kill -9 + promote', run));
    // Every acknowledged write is on the promoted standby.
    await expectSharedChecks(run, nodes, pair.standby.url);
  }, 45_000);
});
