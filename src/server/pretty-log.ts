/**
 * Development's readable log: each pino JSON line turned into one line for people,
 * `12:00:01.234 INFO  message key=value …`, in this process (no worker-thread transport).
 * Only `server/log-output.ts` uses it, and only when the log is to be read on a terminal.
 */

const levelNames: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const levelColours: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** pino's own fields, shown in their own places or not at all. */
const shownApart = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err', 'reqId']);
/** The request line's fields, in its text rather than as `key=value`. */
const requestFields = new Set(['method', 'url', 'status', 'ms']);

const paint = (colour: boolean, code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
const two = (n: number) => String(n).padStart(2, '0');

/** A value as `key=value` shows it: plain when it is one plain word, else as JSON. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * One JSON log line as one readable line (ending with a newline). An error's stack follows
 * on indented lines at `error` and above. A line that is not a JSON object is kept as it is.
 */
export function formatLogLine(line: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return `${line.trimEnd()}\n`;
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const at = new Date(typeof entry.time === 'number' ? entry.time : Date.now());
  const time = `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, '0')}`;
  const parts = [
    paint(colour, '90', time),
    paint(colour, levelColours[level] ?? '0', levelNames[level] ?? String(level)),
  ];

  const { method, url, status, ms } = entry;
  const isRequest = entry.msg === 'request' && typeof method === 'string' && typeof url === 'string';
  // The request line reads `GET /path 200 1.2 ms`; any other line, its message.
  if (isRequest) parts.push(`${method} ${url} ${String(status)} ${String(ms)} ms`);
  else if (entry.msg !== undefined) parts.push(String(entry.msg));
  for (const [key, value] of Object.entries(entry)) {
    if (!shownApart.has(key) && !(isRequest && requestFields.has(key))) parts.push(`${key}=${valueText(value)}`);
  }
  const err = entry.err as { message?: unknown; stack?: unknown } | undefined;
  if (err && typeof err === 'object') parts.push(`err=${valueText(err.message ?? err)}`);
  if (typeof entry.reqId === 'string') parts.push(paint(colour, '90', `req=${entry.reqId}`));
  let text = parts.join(' ');
  if (level >= 50 && err && typeof err.stack === 'string') {
    text +=
      '\n' +
      err.stack
        .split('\n')
        .slice(1)
        .map((stackLine) => `    ${stackLine.trim()}`)
        .join('\n');
  }
  return `${text}\n`;
}
