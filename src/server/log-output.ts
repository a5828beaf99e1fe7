import pino, { type Logger } from 'pino';
import type { RequestLineLevel } from '../http/request-log.js';
import type { Settings } from '../settings.js';
import { formatLogLine } from './pretty-log.js';

/** Where the log goes and in which form: what `serve` hands to `buildApp`. */
export interface LogOutput {
  format: 'json' | 'pretty';
  /** The readable form's logger (undefined for JSON: the app's default pino logger on stdout). */
  loggerInstance?: Logger;
  requestLogLevel: RequestLineLevel;
  /** Writes the lines held back until now (the readable form holds them until the banner is out). */
  release: () => void;
}

/**
 * Readable or JSON: `LOG_FORMAT` when set; otherwise readable on a terminal in
 * development, and JSON in production or when stdout is a file or a pipe (machines read it).
 */
export function logFormatOf(settings: Pick<Settings, 'logFormat' | 'mode'>, isTty: boolean): 'json' | 'pretty' {
  if (settings.logFormat !== 'auto') return settings.logFormat;
  return settings.mode === 'development' && isTty ? 'pretty' : 'json';
}

/**
 * The log for `serve`. JSON: pino's own lines on stdout, requests at `info`, as before.
 * Readable: each line formatted in this process (`pretty-log.ts`), requests at `debug`
 * (shown with `LOG_LEVEL=debug`), and every line held back until `release()`, so that the
 * start banner is the first thing on the terminal.
 */
export function createLogOutput(
  settings: Pick<Settings, 'logFormat' | 'mode' | 'logLevel'>,
  out: NodeJS.WriteStream = process.stdout,
): LogOutput {
  if (logFormatOf(settings, out.isTTY === true) === 'json') {
    return { format: 'json', requestLogLevel: 'info', release: () => {} };
  }
  const colour = out.isTTY === true && !process.env.NO_COLOR;
  let held: string[] | undefined = [];
  const stream = {
    write(line: string) {
      const text = formatLogLine(line, colour);
      if (held) held.push(text);
      else out.write(text);
    },
  };
  const release = () => {
    const lines = held;
    held = undefined;
    if (lines && lines.length > 0) out.write(lines.join(''));
  };
  // A start that fails before the banner still shows what was logged.
  process.once('exit', release);
  return {
    format: 'pretty',
    loggerInstance: pino({ level: settings.logLevel }, stream),
    requestLogLevel: 'debug',
    release,
  };
}
