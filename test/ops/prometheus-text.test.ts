import { describe, expect, it } from 'vitest';
import { Counter, exposition, Gauge, Histogram } from '../../src/ops/prometheus-text.js';

describe('Prometheus text format', () => {
  it('writes counters, labelled counters, gauges and cumulative histograms', () => {
    const plain = new Counter('x_total', 'Plain.');
    const labelled = new Counter('y_total', 'By outcome.', 'outcome');
    const histogram = new Histogram('z_seconds', 'Times.', [0.1, 1]);
    plain.inc(2);
    labelled.inc(1, 'ok');
    labelled.inc(1, 'say "hi"\\');
    histogram.observe(0.05);
    histogram.observe(0.5);
    histogram.observe(5);
    const text = exposition([plain, labelled, histogram, new Gauge('g', 'Read at scrape.', () => 7)]);
    expect(text).toBe(
      [
        '# HELP x_total Plain.',
        '# TYPE x_total counter',
        'x_total 2',
        '# HELP y_total By outcome.',
        '# TYPE y_total counter',
        'y_total{outcome="ok"} 1',
        'y_total{outcome="say \\"hi\\"\\\\"} 1',
        '# HELP z_seconds Times.',
        '# TYPE z_seconds histogram',
        'z_seconds_bucket{le="0.1"} 1',
        'z_seconds_bucket{le="1"} 2',
        'z_seconds_bucket{le="+Inf"} 3',
        'z_seconds_sum 5.55',
        'z_seconds_count 3',
        '# HELP g Read at scrape.',
        '# TYPE g gauge',
        'g 7',
        '',
      ].join('\n'),
    );
  });
});
