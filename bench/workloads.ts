/**
 * What the benchmark measures, as data: each workload is one table row, a subject (a
 * Switchboard configuration) measured beside a baseline in the same run. Add a row here;
 * run.ts needs no change.
 */

export type Engine = 'sqlite' | 'postgres';

export interface DatasetSpec {
  engine: Engine;
  configs: number;
  /** Workloads naming the same id share one database, seeded once. Writes get their own. */
  id: string;
  /**
   * PostgreSQL: a database of its own instead of a schema (`search_path` in the URL), so that
   * a transaction pooler, which keeps no session settings, can reach it too.
   */
  ownDatabase?: boolean;
}

export interface SwitchboardSide {
  kind: 'switchboard';
  dataset: DatasetSpec;
  /** true: fsync on commit (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on). */
  durable: boolean;
  /** Settings for this side only, e.g. SWITCHBOARD_READ_CACHE_ENTRIES=0. */
  env?: Record<string, string>;
  /** PostgreSQL through PgBouncer in transaction mode, with SWITCHBOARD_POSTGRES_STATEMENTS=unnamed. */
  pgbouncer?: boolean;
}

/** The raw node:http server answering the bytes the subject answered to the first request. */
export interface RawSide {
  kind: 'raw';
}

export type Target =
  /**
   * subject req/s ÷ baseline req/s at least `atLeast`, the subject's p99 within a bound, and
   * subject CPU per request ÷ baseline CPU per request at most `cpuAtMost`.
   */
  | { kind: 'throughput'; atLeast: number; p99AtMostMs?: number; cpuAtMost?: number }
  /** subject p50 ÷ baseline p50 at most `atMost`. */
  | { kind: 'p50'; atMost: number }
  /** No target: reported for information. */
  | { kind: 'report' };

export interface Workload {
  name: string;
  /**
   * read: GET one config; exact: the list filtered on one exact scope (how the vendor's
   * clients read); list: GET with a prefix wildcard; patch: PATCH merge one key.
   */
  request: 'read' | 'exact' | 'list' | 'patch';
  subject: SwitchboardSide;
  baseline: SwitchboardSide | RawSide;
  target: Target;
}

/** 10000 → "10k", 1000000 → "1M". */
export function countLabel(count: number): string {
  if (count >= 1_000_000 && count % 1_000_000 === 0) return `${count / 1_000_000}M`;
  if (count >= 1_000 && count % 1_000 === 0) return `${count / 1_000}k`;
  return String(count);
}

const raw: RawSide = { kind: 'raw' };

/**
 * The same rows for either engine. The brief's read and write targets are for SQLite
 * (`withTargets`); flat cost as data grows is a target for both.
 */
function engineWorkloads(engine: Engine, small: number, large: number, withTargets: boolean): Workload[] {
  const label = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const dataset = (id: string, configs: number): DatasetSpec => ({ engine, configs, id: `${engine}-${id}` });
  const readSmall = dataset('read-small', small);
  const readLarge = dataset('read-large', large);
  const durableName = engine === 'sqlite' ? 'synchronous=FULL' : 'synchronous_commit=on';
  const fastName = engine === 'sqlite' ? 'synchronous=OFF' : 'synchronous_commit=off';
  const report: Target = { kind: 'report' };
  return [
    {
      name: `config read, ${label} ${countLabel(small)} vs raw node:http`,
      request: 'read',
      subject: { kind: 'switchboard', dataset: readSmall, durable: true },
      baseline: raw,
      // PostgreSQL's default reads the database every time (issue 23's goal: at least 0.4×).
      target: withTargets
        ? { kind: 'throughput', atLeast: 0.6, p99AtMostMs: 10, cpuAtMost: 1.5 }
        : { kind: 'throughput', atLeast: 0.4 },
    },
    engine === 'sqlite'
      ? {
          name: `config read, ${label} ${countLabel(small)}, rendered-answer cache off, vs raw node:http`,
          request: 'read',
          subject: {
            kind: 'switchboard',
            dataset: readSmall,
            durable: true,
            env: { SWITCHBOARD_READ_CACHE_ENTRIES: '0' },
          },
          baseline: raw,
          target: report,
        }
      : {
          // The opt-in cache: answers kept per account until its next change notification.
          name: `config read, ${label} ${countLabel(small)}, read cache on, vs raw node:http`,
          request: 'read',
          subject: {
            kind: 'switchboard',
            dataset: readSmall,
            durable: true,
            env: { SWITCHBOARD_POSTGRES_READ_CACHE: 'on' },
          },
          baseline: raw,
          target: { kind: 'throughput', atLeast: 0.6 },
        },
    {
      name: `list on one exact scope (the vendor's read), ${label} ${countLabel(small)} vs raw node:http`,
      request: 'exact',
      subject: { kind: 'switchboard', dataset: readSmall, durable: true },
      baseline: raw,
      target: report,
    },
    {
      name: `list prefix wildcard (page of 10), ${label} ${countLabel(small)} vs raw node:http`,
      request: 'list',
      subject: { kind: 'switchboard', dataset: readSmall, durable: true },
      baseline: raw,
      target: report,
    },
    {
      name: `list prefix wildcard (page of 10), ${label} ${countLabel(large)} vs raw node:http`,
      request: 'list',
      subject: { kind: 'switchboard', dataset: readLarge, durable: true },
      baseline: raw,
      target: report,
    },
    {
      name: `PATCH merge, ${label} ${durableName} vs ${fastName} (${countLabel(small)})`,
      request: 'patch',
      subject: { kind: 'switchboard', dataset: dataset('patch-durable', small), durable: true },
      baseline: { kind: 'switchboard', dataset: dataset('patch-fast', small), durable: false },
      target: withTargets ? { kind: 'throughput', atLeast: 0.6 } : report,
    },
    {
      name: `config read p50, ${label} ${countLabel(large)} vs ${countLabel(small)} configs`,
      request: 'read',
      subject: { kind: 'switchboard', dataset: readLarge, durable: true },
      baseline: { kind: 'switchboard', dataset: readSmall, durable: true },
      target: { kind: 'p50', atMost: 1.3 },
    },
  ];
}

/**
 * `--long`: cost as data grows, at a size that takes minutes to build. "Flat" is p50 at the
 * large size within 1.5× of p50 at the small one, for a read and for a prefix list.
 */
function growthWorkloads(small: number, huge: number): Workload[] {
  const dataset = (id: string, configs: number): DatasetSpec => ({ engine: 'sqlite', configs, id: `sqlite-${id}` });
  const readSmall = dataset('read-small', small);
  const readHuge = dataset('read-huge', huge);
  const sides = {
    subject: { kind: 'switchboard', dataset: readHuge, durable: true },
    baseline: { kind: 'switchboard', dataset: readSmall, durable: true },
  } as const;
  return [
    {
      name: `config read p50, SQLite ${countLabel(huge)} vs ${countLabel(small)} configs`,
      request: 'read',
      ...sides,
      target: { kind: 'p50', atMost: 1.5 },
    },
    {
      name: `list prefix wildcard p50, SQLite ${countLabel(huge)} vs ${countLabel(small)} configs`,
      request: 'list',
      ...sides,
      target: { kind: 'p50', atMost: 1.5 },
    },
  ];
}

/**
 * PostgreSQL through PgBouncer in transaction mode (unnamed statements) beside the same
 * database direct (named statements, the default), each on a database of its own.
 */
function pgBouncerWorkloads(small: number): Workload[] {
  const dataset = (id: string): DatasetSpec => ({ engine: 'postgres', configs: small, id, ownDatabase: true });
  const reads = dataset('postgres-db-read');
  const report: Target = { kind: 'report' };
  return [
    {
      name: `config read, PostgreSQL ${countLabel(small)} through PgBouncer (transaction mode, unnamed) vs direct`,
      request: 'read',
      subject: { kind: 'switchboard', dataset: reads, durable: true, pgbouncer: true },
      baseline: { kind: 'switchboard', dataset: reads, durable: true },
      target: report,
    },
    {
      name: `PATCH merge, PostgreSQL ${countLabel(small)} through PgBouncer (transaction mode, unnamed) vs direct`,
      request: 'patch',
      subject: { kind: 'switchboard', dataset: dataset('postgres-db-patch-bouncer'), durable: true, pgbouncer: true },
      baseline: { kind: 'switchboard', dataset: dataset('postgres-db-patch-direct'), durable: true },
      target: report,
    },
  ];
}

export function allWorkloads(options: {
  small: number;
  large: number;
  huge?: number;
  postgres: boolean;
  pgbouncer: boolean;
}): Workload[] {
  return [
    ...engineWorkloads('sqlite', options.small, options.large, true),
    ...(options.huge ? growthWorkloads(options.small, options.huge) : []),
    ...(options.postgres ? engineWorkloads('postgres', options.small, options.large, false) : []),
    ...(options.postgres && options.pgbouncer ? pgBouncerWorkloads(options.small) : []),
  ];
}
