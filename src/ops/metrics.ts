import type { FastifyInstance } from 'fastify';
import type { PullRecord } from '../store/channel-store.js';
import type { DatabaseHealth } from '../store/database-health.js';
import { databaseMetrics } from './database-metrics.js';
import { processMetrics } from './process-metrics.js';
import { Counter, exposition, Histogram, prometheusContentType, type Metric } from './prometheus-text.js';

/** Prometheus metrics of one process, served at `/metrics`. */
export class Metrics {
  private readonly pulls = new Counter(
    'switchboard_pulls_total',
    'Pulls finished, by outcome (ok, failed).',
    'outcome',
  );
  private readonly pullDuration = new Histogram(
    'switchboard_pull_duration_seconds',
    'Time from claiming an instance to recording its pull.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  private readonly resourcesStored = new Counter(
    'switchboard_pull_resources_stored_total',
    'External resources stored from pulls.',
  );
  private readonly duplicates = new Counter(
    'switchboard_pull_duplicate_resources_total',
    'External resources pulled again and not stored twice.',
  );
  private readonly deactivations = new Counter(
    'switchboard_instance_deactivations_total',
    'Instances deactivated after failing pulls.',
  );
  private readonly all: Metric[];

  /** `database`: the store's health (PostgreSQL), for the pool's metrics. */
  constructor(options: { database?: DatabaseHealth } = {}) {
    this.all = [
      this.pulls,
      this.pullDuration,
      this.resourcesStored,
      this.duplicates,
      this.deactivations,
      ...(options.database ? databaseMetrics('switchboard_', options.database) : []),
      ...processMetrics('switchboard_'),
    ];
  }

  observePull(pull: PullRecord): void {
    this.pulls.inc(1, pull.outcome);
    this.pullDuration.observe(pull.durationMs / 1000);
    this.resourcesStored.inc(pull.resourcesStored);
    this.duplicates.inc(pull.duplicates);
    if (pull.deactivated) this.deactivations.inc();
  }

  /** The Prometheus text of every metric. */
  text(): string {
    return exposition(this.all);
  }
}

export async function metricsRoutes(app: FastifyInstance, options: { metrics: Metrics }): Promise<void> {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Prometheus metrics',
        description: 'Pulls, resources stored, duplicates, deactivations and the process; no credentials needed.',
        response: {
          200: {
            description: 'The Prometheus text format.',
            content: {
              'text/plain': { schema: { type: 'string', examples: ['switchboard_pulls_total{outcome="ok"} 3'] } },
            },
          },
        },
      },
    },
    async function metricsText(_request, reply) {
      return reply.type(prometheusContentType).send(options.metrics.text());
    },
  );
}
