import type { DatabaseCounters, DatabaseHealth } from '../store/database-health.js';
import { Gauge, type Metric } from './prometheus-text.js';

const counters: Record<keyof DatabaseCounters, [name: string, help: string]> = {
  poolWaits: [
    'postgres_pool_waits_total',
    'Connection acquisitions that found every pooled connection in use and waited.',
  ],
  acquireTimeouts: ['postgres_acquire_timeouts_total', 'Connection acquisitions that gave up at the acquire timeout.'],
  queryTimeouts: ['postgres_query_timeouts_total', 'Statements that gave up at the client-side query timeout.'],
  serverTimeouts: [
    'postgres_server_timeouts_total',
    'Statements the server cancelled at statement_timeout or lock_timeout.',
  ],
  discarded: [
    'postgres_discarded_connections_total',
    'Connections closed rather than reused after a timeout or a connection failure.',
  ],
  renewals: [
    'postgres_pool_renewals_total',
    'Pools re-made after a connection failure: every later connection is new (reconnects).',
  ],
};

/** The PostgreSQL pool's counters and whether the database answers, read at each scrape. */
export function databaseMetrics(prefix: string, health: DatabaseHealth): Metric[] {
  return [
    ...Object.entries(counters).map(
      ([key, [name, help]]) =>
        new Gauge(`${prefix}${name}`, help, () => health.counters[key as keyof DatabaseCounters], 'counter'),
    ),
    new Gauge(
      `${prefix}postgres_available`,
      'Whether the last database operation reached the database (1) or not (0).',
      () => (health.available ? 1 : 0),
    ),
  ];
}
