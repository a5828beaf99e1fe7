// What every PostgreSQL fault scenario must show afterwards (issue 22, "Done when"): each
// check returns the violations it found, as readable lines, so a failure names them all.

import { execFileSync } from 'node:child_process';
import pg from 'pg';
import {
  describeOutcome,
  isWrite,
  succeeded,
  type AcknowledgedWrite,
  type Outcome,
  type RequestKind,
} from './fault-load.js';
import { readyzBoundMs, requestBoundMs } from './fault-nodes.js';

/** Every node serves (a write succeeds) within this of the database being reachable again. */
export const recoveryBoundMs = 5_000;
/** The slack every bound gets (issue 22: "within its bound + 1 s"). */
export const slackMs = 1_000;

const boundOf = (kind: RequestKind) => (kind === 'readyz' ? readyzBoundMs : requestBoundMs) + slackMs;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests without an answer, or answered later than their bound + 1 s. */
export function lateOrUnanswered(outcomes: Outcome[]): string[] {
  return outcomes
    .filter((o) => o.status === 0 || o.ended - o.started > boundOf(o.kind))
    .map((o) => `late or unanswered (bound ${boundOf(o.kind)} ms): ${describeOutcome(o)}`);
}

/** Whether a failed answer is the documented one: the 503 envelope with Retry-After, or /readyz's "unavailable". */
function isDocumented503(o: Outcome): boolean {
  if (o.status !== 503) return false;
  if (o.kind === 'readyz') return o.json?.status === 'unavailable';
  const error = o.json?.errors?.[0];
  return (
    Array.isArray(o.json?.errors) &&
    error?.status === '503' &&
    typeof error.code === 'string' &&
    typeof error.detail === 'string' &&
    error.detail.length > 0 &&
    /^[1-9]\d*$/.test(o.retryAfter ?? '')
  );
}

/** Answers other than success or the documented 503: a 500, any other error, a 503 without the envelope. */
export function undocumentedFailures(outcomes: Outcome[]): string[] {
  return outcomes
    .filter((o) => o.status !== 0 && !succeeded(o) && !isDocumented503(o))
    .map((o) => `not a success nor the 503 envelope (Retry-After ${o.retryAfter}): ${describeOutcome(o)}`);
}

/** Acknowledged writes not found, with their value, on the server `url` names (read directly). */
export async function lostWrites(url: string, prefix: string, acknowledged: AcknowledgedWrite[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'fault-check' });
  await client.connect();
  try {
    const { rows } = await client.query<{ scope: string; config: string }>(
      `SELECT scope, config FROM configs WHERE scope LIKE $1`,
      [`${prefix}\\_%`],
    );
    const stored = new Map(rows.map((row) => [row.scope, JSON.parse(row.config) as Record<string, unknown>]));
    return acknowledged
      .filter((write) => stored.get(write.scope)?.[write.key ?? 'value'] !== write.value)
      .map(
        (write) =>
          `acknowledged ${write.kind} lost: ${JSON.stringify(write)}; stored: ${JSON.stringify(stored.get(write.scope))}`,
      );
  } finally {
    await client.end();
  }
}

/** Waits until each node has had a write succeed after `reachableAt`, or until the bound (and a request's) passed. */
export async function waitForWrites(outcomes: Outcome[], nodes: string[], reachableAt: number): Promise<void> {
  const deadline = reachableAt + recoveryBoundMs + requestBoundMs + slackMs;
  while (performance.now() < deadline) {
    const served = nodes.every((node) =>
      outcomes.some((o) => o.node === node && isWrite(o) && succeeded(o) && o.ended > reachableAt),
    );
    if (served) return;
    await sleep(20);
  }
}

/**
 * Every node serving within 5 s of `reachableAt`: a write of each succeeded by then, and
 * every request started after then succeeded (writes, reads, and /readyz).
 */
export function slowRecoveries(outcomes: Outcome[], nodes: string[], reachableAt: number): string[] {
  const found: string[] = [];
  const by = reachableAt + recoveryBoundMs;
  for (const node of nodes) {
    const first = outcomes
      .filter((o) => o.node === node && isWrite(o) && succeeded(o) && o.ended > reachableAt)
      .sort((a, b) => a.ended - b.ended)[0];
    if (!first || first.ended > by) {
      const when = first ? `${Math.round(first.ended - reachableAt)} ms` : 'never';
      found.push(`node ${node}: first successful write ${when} after the database was reachable`);
    }
    const after = outcomes.filter((o) => o.node === node && o.started > by);
    if (after.length === 0) found.push(`node ${node}: no request after the recovery bound (the load stopped early)`);
    for (const o of after.filter((o) => !succeeded(o))) found.push(`after the recovery bound: ${describeOutcome(o)}`);
  }
  return found;
}

/** Local port → pid of every established TCP socket on this machine (`ss`, as root sees all). */
export function portOwners(): Map<number, number> {
  const owners = new Map<number, number>();
  for (const line of execFileSync('ss', ['-Htnp', 'state', 'established'], { encoding: 'utf8' }).split('\n')) {
    const match = /^\S+\s+\S+\s+\S+:(\d+)\s+\S+\s+.*pid=(\d+)/.exec(line);
    if (match) owners.set(Number(match[1]), Number(match[2]));
  }
  return owners;
}

/**
 * Switchboard sessions on the server `url` names that came through a faulted path (a proxy
 * in this test process) and have done nothing since `since`, the moment the path worked
 * again: connections the fault stranded, which the nodes should have dropped. A healthy
 * pooled connection under load ran a statement since; an idle one the pool closes after
 * 10 s (pg-pool's idle timeout), and the fault lasted longer than the rest of that.
 */
export async function strandedSessions(url: string, since: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'fault-check' });
  await client.connect();
  try {
    const { rows } = await client.query<{
      pid: number;
      client_port: number;
      application_name: string;
      state: string;
      age_ms: number;
      since_change_ms: number;
      query: string;
    }>(
      `SELECT pid, client_port, application_name, state, query,
         extract(epoch FROM now() - backend_start) * 1000 AS age_ms,
         extract(epoch FROM now() - state_change) * 1000 AS since_change_ms
       FROM pg_stat_activity WHERE application_name LIKE 'switchboard%'`,
    );
    const quietFor = performance.now() - since;
    const owners = portOwners();
    return rows
      .filter((row) => owners.get(row.client_port) === process.pid && row.since_change_ms > quietFor)
      .map(
        (row) =>
          `stranded session pid ${row.pid} (${row.application_name}), ${row.state} for ${Math.round(row.since_change_ms)} ms,` +
          ` opened ${Math.round(row.age_ms)} ms ago: ${row.query.slice(0, 120)}`,
      );
  } finally {
    await client.end();
  }
}
