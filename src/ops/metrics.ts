import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { PullRecord } from '../store/channel-store.js';

/** Prometheus metrics of one process, served at `/metrics`. */
export class Metrics {
  readonly registry = new Registry();
  private readonly pulls = new Counter({
    name: 'switchboard_pulls_total',
    help: 'Pulls finished, by outcome (ok, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly pullDuration = new Histogram({
    name: 'switchboard_pull_duration_seconds',
    help: 'Time from claiming an instance to recording its pull.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly resourcesStored = new Counter({
    name: 'switchboard_pull_resources_stored_total',
    help: 'External resources stored from pulls.',
    registers: [this.registry],
  });
  private readonly duplicates = new Counter({
    name: 'switchboard_pull_duplicate_resources_total',
    help: 'External resources pulled again and not stored twice.',
    registers: [this.registry],
  });
  private readonly deactivations = new Counter({
    name: 'switchboard_instance_deactivations_total',
    help: 'Instances deactivated after failing pulls.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  observePull(pull: PullRecord): void {
    this.pulls.inc({ outcome: pull.outcome });
    this.pullDuration.observe(pull.durationMs / 1000);
    this.resourcesStored.inc(pull.resourcesStored);
    this.duplicates.inc(pull.duplicates);
    if (pull.deactivated) this.deactivations.inc();
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
      return reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
    },
  );
}
