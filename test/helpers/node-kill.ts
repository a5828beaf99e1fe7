import { execFileSync } from 'node:child_process';

/** The pid of the process whose socket has this local port (the node that made a request). */
export function pidOfClientPort(port: number, serverPort?: number): number {
  // The same ephemeral port may be in use towards another server too (a PostgreSQL
  // connection, say): with the server's port, only the connection to it is looked at.
  const filter = serverPort === undefined ? `( sport = :${port} )` : `( sport = :${port} and dport = :${serverPort} )`;
  const line = execFileSync('ss', ['-Htnp', 'state', 'established', filter], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(line)?.[1];
  if (!pid) throw new Error(`no process owns local port ${port}: ${line}`);
  return Number(pid);
}

/** Resolves once `condition` holds, checked every 25 ms; rejects after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
