import { describe, expect, it } from 'vitest';
import { barChartSvg, perMinute } from '../../src/console/activity-chart.js';

const since = Date.UTC(2026, 0, 2, 10, 0);
const minute = 60_000;

/** The bars of a chart: minute index, count, class, height, read back from its SVG text. */
const barsOf = (svg: string) =>
  [
    ...svg.matchAll(
      /<rect class="([^"]+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" data-minute="(\d+)" data-count="(\d+)">/g,
    ),
  ].map((m) => ({
    className: m[1],
    x: Number(m[2]),
    y: Number(m[3]),
    height: Number(m[5]),
    minute: (Number(m[6]) - since) / minute,
    count: Number(m[7]),
  }));

describe('the overview’s activity charts', () => {
  it('spreads per-minute rows over the window, one value per minute, leaving out what falls outside', () => {
    const rows = [
      { minuteMs: since, count: 3 },
      { minuteMs: since + 2 * minute, count: 1 },
      { minuteMs: since - minute, count: 9 },
      { minuteMs: since + 5 * minute, count: 9 },
    ];
    expect(perMinute(rows, since, 5)).toEqual([3, 0, 1, 0, 0]);
  });

  it('draws one bar per minute with a count, as tall as its share of the busiest minute, stacked per series', () => {
    const svg = barChartSvg({
      title: 'Pulls',
      sinceMs: since,
      series: [
        { label: 'ok', values: [4, 0, 2, 0], className: 'bar-ok' },
        { label: 'failed', values: [0, 0, 2, 1], className: 'bar-failed' },
      ],
    });
    const bars = barsOf(svg);
    expect(bars.map((b) => [b.minute, b.className, b.count])).toEqual([
      [0, 'bar-ok', 4],
      [2, 'bar-ok', 2],
      [2, 'bar-failed', 2],
      [3, 'bar-failed', 1],
    ]);
    // The busiest minutes (0 and 2, 4 each) reach the same height; minute 3 a quarter of it.
    const full = bars[0]!.height;
    expect(bars[1]!.height + bars[2]!.height).toBeCloseTo(full, 1);
    expect(bars[3]!.height).toBeCloseTo(full / 4, 1);
    // Stacked: the failed part sits on top of the ok part of the same minute.
    expect(bars[2]!.y + bars[2]!.height).toBeCloseTo(bars[1]!.y, 1);
    expect(bars[1]!.x).toBe(bars[2]!.x);
    expect(bars[0]!.x).toBeLessThan(bars[1]!.x);
    // Named for a screen reader, with the totals; the times in UTC; the peak on the axis.
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-label="Pulls: 6 ok, 3 failed in the 4 minutes from 10:00 UTC; busiest minute 4."');
    expect(svg).toContain('<title>10:02 UTC: 2 failed</title>');
    expect(svg).toContain('>10:04</text>');
    expect(svg).not.toContain('style=');
  });

  it('draws an empty chart, with no bars, for an hour with nothing', () => {
    const svg = barChartSvg({
      title: 'Replies sent',
      sinceMs: since,
      series: [{ label: 'sent', values: new Array(60).fill(0), className: 'bar' }],
    });
    expect(barsOf(svg)).toEqual([]);
    expect(svg).toContain('0 sent in the 60 minutes from 10:00 UTC; busiest minute 0.');
  });

  it('escapes the title and labels', () => {
    const svg = barChartSvg({
      title: 'A <b> & "c"',
      sinceMs: since,
      series: [{ label: '<x>', values: [1], className: 'bar' }],
    });
    expect(svg).toContain('A &lt;b&gt; &amp; &quot;c&quot;');
    expect(svg).toContain('1 &lt;x&gt;');
    expect(svg).not.toContain('<b>');
  });
});
