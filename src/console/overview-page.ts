import type { FastifyInstance } from 'fastify';
import { barChartSvg, perMinute } from './activity-chart.js';
import type { ConsoleContext } from './console-context.js';
import { renderPage } from './render.js';
import { adminOf, viewerOf } from './signed-in.js';

const minuteMs = 60_000;
/** The overview's charts: the last hour, the current minute included. */
const chartMinutes = 60;
const latestChanges = 10;

/**
 * `/console`: what the account holds, its activity over the last hour as small charts
 * (pulls and failed pulls, events delivered, replies sent, config writes: every node's, from
 * the database), the instances that need attention and the latest config changes.
 */
export async function overviewPage(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { store } = context;
  const { channels } = context.channel;
  app.get('/console', async function consoleOverview(request, reply) {
    const account = adminOf(request).account;
    const untilMs = Math.floor(context.clock().getTime() / minuteMs) * minuteMs + minuteMs;
    const window = { sinceMs: untilMs - chartMinutes * minuteMs, untilMs };
    const [integrations, channelIntegrations, instances, pulls, events, replies, writes, pending, changes] =
      await Promise.all([
        store.listIntegrations(account.id),
        channels.listIntegrations(account.id),
        channels.listInstances(account.id),
        store.activity.pullsPerMinute(account.id, window),
        store.activity.eventsDeliveredPerMinute(account.id, window),
        store.activity.repliesSentPerMinute(account.id, window),
        store.activity.configWritesPerMinute(account.id, window),
        store.activity.pendingRepliesByInstance(account.id),
        store.activity.latestConfigChanges(account.id, latestChanges),
      ]);
    const values = (rows: { minuteMs: number; count: number }[]) => perMinute(rows, window.sinceMs, chartMinutes);
    const chart = (
      title: string,
      series: { label: string; rows: { minuteMs: number; count: number }[]; className: string }[],
    ) => {
      const drawn = series.map((s) => ({ label: s.label, values: values(s.rows), className: s.className }));
      return {
        title,
        totals: drawn.map((s) => ({
          label: s.label,
          total: s.values.reduce((a, b) => a + b, 0),
          className: s.className,
        })),
        svg: barChartSvg({ title, sinceMs: window.sinceMs, series: drawn }),
      };
    };
    const charts = [
      chart('Pulls', [
        {
          label: 'ok',
          rows: pulls.map((p) => ({ minuteMs: p.minuteMs, count: p.pulls - p.failed })),
          className: 'bar-ok',
        },
        {
          label: 'failed',
          rows: pulls.map((p) => ({ minuteMs: p.minuteMs, count: p.failed })),
          className: 'bar-failed',
        },
      ]),
      chart('Events delivered', [{ label: 'delivered', rows: events, className: 'bar' }]),
      chart('Replies sent', [{ label: 'sent', rows: replies, className: 'bar' }]),
      ...(writes
        ? [
            {
              ...chart('Config writes', [{ label: 'writes', rows: writes.perMinute, className: 'bar' }]),
              capped: writes.capped,
            },
          ]
        : []),
    ];

    const waiting = new Map(pending.map((p) => [p.instanceId, p.pending]));
    const names = new Map(channelIntegrations.map((i) => [i.id, i.name]));
    const attention = instances
      .filter((i) => !i.active || i.consecutiveFailures > 0 || waiting.has(i.id))
      .map((i) => ({
        ...i,
        integrationName: names.get(i.integrationId) ?? '',
        repliesWaiting: waiting.get(i.id) ?? 0,
      }));
    const active = instances.filter((i) => i.active).length;
    return renderPage(
      reply,
      'overview',
      { title: 'Overview', section: 'overview', viewer: viewerOf(request) },
      {
        counts: {
          integrations: integrations.length,
          channelIntegrations: channelIntegrations.length,
          instances: instances.length,
          active,
          inactive: instances.length - active,
        },
        charts,
        historyOff: writes === undefined,
        attention,
        changes,
      },
    );
  });
}
