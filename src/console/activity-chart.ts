import { formatTimestamp } from '../clock.js';

const minuteMs = 60_000;

/** Per-minute rows (minutes with none left out) as one value per minute from `sinceMs`, `minutes` long. */
export function perMinute(rows: { minuteMs: number; count: number }[], sinceMs: number, minutes: number): number[] {
  const values = new Array<number>(minutes).fill(0);
  for (const row of rows) {
    const index = Math.floor((row.minuteMs - sinceMs) / minuteMs);
    if (index >= 0 && index < minutes) values[index]! += row.count;
  }
  return values;
}

/** One series of bars: its values per minute, and the class that colours it (console.css). */
export interface BarSeries {
  label: string;
  values: number[];
  className: string;
}

export interface BarChart {
  /** What the chart shows, for its accessible name. */
  title: string;
  /** The first minute's start, epoch ms. */
  sinceMs: number;
  /** Stacked bottom to top, each minute's bars one on the other. */
  series: BarSeries[];
}

const width = 240;
const height = 76;
/** Room above the bars for the busiest minute's count, and under them for the time axis. */
const band = 12;
const axis = 12;

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const round = (n: number) => Math.round(n * 100) / 100;
const clock = (ms: number) => formatTimestamp(Math.floor(ms / 1000)).slice(11, 16);

/**
 * A small bar chart as inline SVG, one bar per minute (stacked per series), scaled to the
 * busiest minute; drawn on the server, no script. Colours come from classes, so the page's
 * content security policy (no inline styles) holds. Each bar carries its minute and count
 * (`data-minute`, `data-count`) and a `<title>` a pointer shows.
 */
export function barChartSvg(chart: BarChart): string {
  const minutes = chart.series[0]?.values.length ?? 0;
  const totals = Array.from({ length: minutes }, (_, i) =>
    chart.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0),
  );
  const peak = Math.max(0, ...totals);
  const slot = minutes === 0 ? 0 : width / minutes;
  const barWidth = Math.max(1, slot - 1);
  const plot = height - axis;
  const tallest = plot - band;
  const bars: string[] = [];
  for (let i = 0; i < minutes; i++) {
    let top = plot;
    const minuteStart = chart.sinceMs + i * minuteMs;
    for (const series of chart.series) {
      const value = series.values[i] ?? 0;
      if (value === 0) continue;
      const barHeight = Math.max(1, (value / peak) * tallest);
      top -= barHeight;
      bars.push(
        `<rect class="${escapeXml(series.className)}" x="${round(i * slot)}" y="${round(top)}" width="${round(barWidth)}" height="${round(barHeight)}" data-minute="${minuteStart}" data-count="${value}">` +
          `<title>${escapeXml(`${clock(minuteStart)} UTC: ${value} ${series.label}`)}</title></rect>`,
      );
    }
  }
  const sums = chart.series.map((s) => `${s.values.reduce((a, b) => a + b, 0)} ${s.label}`).join(', ');
  const label = `${chart.title}: ${sums} in the ${minutes} minutes from ${clock(chart.sinceMs)} UTC; busiest minute ${peak}.`;
  const end = chart.sinceMs + minutes * minuteMs;
  return (
    `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(label)}" xmlns="http://www.w3.org/2000/svg">` +
    `<line class="chart-axis" x1="0" y1="${plot + 0.5}" x2="${width}" y2="${plot + 0.5}"/>` +
    bars.join('') +
    `<text class="chart-label" x="0" y="${height - 1}">${clock(chart.sinceMs)}</text>` +
    `<text class="chart-label" x="${width}" y="${height - 1}" text-anchor="end">${clock(end)}</text>` +
    `<text class="chart-label" x="${width}" y="9" text-anchor="end">busiest ${peak}/min</text>` +
    `</svg>`
  );
}
