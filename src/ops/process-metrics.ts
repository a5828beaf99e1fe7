import { readdirSync } from 'node:fs';
import { Gauge, type Metric } from './prometheus-text.js';

const startSeconds = Math.round(Date.now() / 1000 - process.uptime());

/** Open file descriptors, where the system shows them (Linux); -1 elsewhere. */
function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

/**
 * The process's own figures, named as the usual Node.js exporters name them (with the
 * `switchboard_` prefix), read at each scrape.
 */
export function processMetrics(prefix: string): Metric[] {
  const cpu = () => process.cpuUsage();
  const memory = () => process.memoryUsage();
  return [
    new Gauge(
      `${prefix}process_cpu_user_seconds_total`,
      'User CPU time spent in seconds.',
      () => cpu().user / 1e6,
      'counter',
    ),
    new Gauge(
      `${prefix}process_cpu_system_seconds_total`,
      'System CPU time spent in seconds.',
      () => cpu().system / 1e6,
      'counter',
    ),
    new Gauge(
      `${prefix}process_cpu_seconds_total`,
      'Total user and system CPU time spent in seconds.',
      () => {
        const { user, system } = cpu();
        return (user + system) / 1e6;
      },
      'counter',
    ),
    new Gauge(
      `${prefix}process_start_time_seconds`,
      'Start time of the process since unix epoch in seconds.',
      () => startSeconds,
    ),
    new Gauge(`${prefix}process_resident_memory_bytes`, 'Resident memory size in bytes.', () => memory().rss),
    new Gauge(`${prefix}process_open_fds`, 'Number of open file descriptors.', openFds),
    new Gauge(
      `${prefix}nodejs_heap_size_total_bytes`,
      'Process heap size from Node.js in bytes.',
      () => memory().heapTotal,
    ),
    new Gauge(
      `${prefix}nodejs_heap_size_used_bytes`,
      'Process heap size used from Node.js in bytes.',
      () => memory().heapUsed,
    ),
    new Gauge(
      `${prefix}nodejs_external_memory_bytes`,
      'Node.js external memory size in bytes.',
      () => memory().external,
    ),
  ];
}
