// The load a fault scenario runs against its nodes, with its bookkeeping: every request's
// start, end, status and Retry-After, and every write the service acknowledged (with the
// value it wrote), so the checks can find each one afterwards.

import type { FaultNode } from './fault-nodes.js';

export const configsPath = '/api/services/zis/integrations/my_integration/configs';

export type RequestKind = 'post' | 'patch' | 'read' | 'readyz';

/** One request and what came of it. Times are `performance.now()` of the test process. */
export interface Outcome {
  node: string;
  kind: RequestKind;
  path: string;
  started: number;
  ended: number;
  /** 0 when no HTTP answer came (connection error, or none within {@link noAnswerMs}). */
  status: number;
  json: any;
  retryAfter: string | null;
  error?: string;
}

/** An acknowledged write: the scope and, for a PATCH, the key it merged, with the value. */
export interface AcknowledgedWrite {
  node: string;
  kind: 'post' | 'patch';
  scope: string;
  key?: string;
  value: string;
}

/** A request that has not answered after this is recorded as unanswered (status 0). */
export const noAnswerMs = 15_000;

export const isWrite = (o: Outcome) => o.kind === 'post' || o.kind === 'patch';
export const succeeded = (o: Outcome) => o.status >= 200 && o.status < 300;
export const describeOutcome = (o: Outcome) =>
  `node ${o.node} ${o.kind} ${o.path} → ${o.status || 'no answer'} after ${Math.round(o.ended - o.started)} ms` +
  ` (started at ${Math.round(o.started)}): ${o.error ?? JSON.stringify(o.json)?.slice(0, 300)}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one request to a node and records it. */
export async function send(
  node: FaultNode,
  kind: RequestKind,
  method: string,
  path: string,
  body?: unknown,
): Promise<Outcome> {
  const started = performance.now();
  const headers: Record<string, string> = { authorization: `Bearer ${node.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(node.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(noAnswerMs),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    const retryAfter = response.headers.get('retry-after');
    return {
      node: node.name,
      kind,
      path,
      started,
      ended: performance.now(),
      status: response.status,
      json,
      retryAfter,
    };
  } catch (error) {
    const cause = String((error as Error).cause ?? error);
    return {
      node: node.name,
      kind,
      path,
      started,
      ended: performance.now(),
      status: 0,
      json: undefined,
      retryAfter: null,
      error: cause,
    };
  }
}

export interface Load {
  outcomes: Outcome[];
  acknowledged: AcknowledgedWrite[];
  /** Stops every loop and waits for the requests in flight (each ends within {@link noAnswerMs}). */
  stop: () => Promise<void>;
}

export interface LoadShape {
  /** Scopes start with this: one scenario's writes are told apart from another's. */
  prefix: string;
  nodes: FaultNode[];
  /** Writers on each node (default 2); each alternates a POST and a PATCH. */
  writersPerNode?: number;
  readersPerNode?: number;
}

/** The scope each writer PATCHes; {@link prepareLoad} creates it. */
const patchedScope = (prefix: string, node: string, writer: number) => `${prefix}_${node}${writer}_patched`;

/** Creates the scopes the writers PATCH (before the fault: these must succeed). */
export async function prepareLoad({ prefix, nodes, writersPerNode = 2 }: LoadShape): Promise<void> {
  for (const node of nodes) {
    for (let writer = 0; writer < writersPerNode; writer++) {
      const made = await send(node, 'post', 'POST', configsPath, {
        scope: patchedScope(prefix, node.name, writer),
        config: {},
      });
      if (made.status !== 201) throw new Error(`could not prepare the load: ${describeOutcome(made)}`);
    }
  }
}

/**
 * Starts, on each node: writers that alternate a POST of a fresh scope and a PATCH of a
 * fresh key (distinct values, never retried: a write that failed may or may not have
 * landed, and must not turn a later one into a conflict), readers, and a /readyz poller.
 */
export function startLoad({ prefix, nodes, writersPerNode = 2, readersPerNode = 1 }: LoadShape): Load {
  const outcomes: Outcome[] = [];
  const acknowledged: AcknowledgedWrite[] = [];
  let running = true;
  const record = async (
    node: FaultNode,
    kind: RequestKind,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Outcome> => {
    const outcome = await send(node, kind, method, path, body);
    outcomes.push(outcome);
    // After a failure, a pause: the loops must not spin while the database is away.
    await sleep(succeeded(outcome) ? 2 : 25);
    return outcome;
  };

  const writer = async (node: FaultNode, writer: number) => {
    const patched = patchedScope(prefix, node.name, writer);
    for (let n = 1; running; n++) {
      const scope = `${prefix}_${node.name}${writer}_c${n}`;
      const value = `${node.name}${writer}-${n}`;
      const post = await record(node, 'post', 'POST', configsPath, { scope, config: { value } });
      if (post.status === 201) acknowledged.push({ node: node.name, kind: 'post', scope, value });
      if (!running) break;
      const key = `k${n}`;
      const patch = await record(node, 'patch', 'PATCH', `${configsPath}/${patched}`, { config: { [key]: value } });
      if (patch.status === 200) acknowledged.push({ node: node.name, kind: 'patch', scope: patched, key, value });
    }
  };
  const reader = async (node: FaultNode, reader: number) => {
    for (let n = 0; running; n++) {
      const path =
        n % 2 === 0
          ? `${configsPath}/${patchedScope(prefix, node.name, reader % writersPerNode)}`
          : `${configsPath}?filter[scope]=${prefix}_${node.name}*&page[size]=5`;
      await record(node, 'read', 'GET', path);
    }
  };
  const readyz = async (node: FaultNode) => {
    while (running) {
      await record(node, 'readyz', 'GET', '/readyz');
      await sleep(100);
    }
  };

  const loops = nodes.flatMap((node) => [
    ...Array.from({ length: writersPerNode }, (_, n) => writer(node, n)),
    ...Array.from({ length: readersPerNode }, (_, n) => reader(node, n)),
    readyz(node),
  ]);
  const all = Promise.all(loops);
  return {
    outcomes,
    acknowledged,
    stop: async () => {
      running = false;
      await all;
    },
  };
}
