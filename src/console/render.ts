import type { FastifyReply, FastifyRequest } from 'fastify';
import { fileURLToPath } from 'node:url';
import type { Eta } from 'eta';
import { formatTimestamp } from '../clock.js';
import { cookieHeader, readCookie } from './cookies.js';

/** The templates sit beside this file: `views/` under src/ (and under dist/ once built). */
const viewsDir = fileURLToPath(new URL('./views', import.meta.url));

let engine: Promise<Eta> | undefined;

/** The template engine, loaded on the first console page rather than at server start. */
function templates(): Promise<Eta> {
  engine ??= import('eta').then(
    ({ Eta }) => new Eta({ views: viewsDir, cache: true, autoEscape: true, defaultExtension: '.eta' }),
  );
  return engine;
}

/** Who is looking at a console page: every page shows it in its header. */
export interface Viewer {
  subdomain: string;
  email: string;
  /** The form field every POST carries; undefined when signed in by basic auth (no session). */
  csrf: string | undefined;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Characters after (or around) which a browser may break a line inside a word (Unicode line
 * breaking: hyphens, slashes, dashes, bars, question and exclamation marks). Letters,
 * digits, colons, dots, commas, quotes and brackets never break a word by themselves.
 */
const breakable = /[-/\u2010-\u2014|?!\u2026~+]/;

/** Words this long (tokens, URLs) may wrap anywhere on a narrow screen; shorter ones never break inside. */
const longWord = 30;

/**
 * Free text (an error, a message) as escaped HTML for `<%~ %>`: a word under 30 characters
 * with a place a browser would break it (a hyphen or a slash: a date, a path) is
 * kept on one line; a longer one (a token, a URL) may wrap anywhere rather than widen the page.
 */
export function prose(text: string): string {
  return text
    .split(/(\s+)/)
    .map((part) => {
      if (part === '' || /^\s+$/.test(part)) return part;
      if (part.length >= longWord) return `<span class="long">${escapeHtml(part)}</span>`;
      return breakable.test(part) ? `<span class="word">${escapeHtml(part)}</span>` : escapeHtml(part);
    })
    .join('');
}

/** Formatting the templates share. Times are shown as the API writes them. */
export const format = {
  prose,
  /** Epoch milliseconds, or "never". */
  ms: (ms: number | null | undefined) =>
    ms === null || ms === undefined ? 'never' : formatTimestamp(Math.floor(ms / 1000)),
  /** Epoch seconds, or "never". */
  seconds: (s: number | null | undefined) => (s === null || s === undefined ? 'never' : formatTimestamp(s)),
  /** JSON text, indented; text that is not JSON as it is. */
  pretty: (text: string) => {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  },
  /** A count read with a cap of `cap` + 1 rows: "1,000+" past the cap. */
  capped: (count: number, cap: number) =>
    count > cap ? `${cap.toLocaleString('en-US')}+` : count.toLocaleString('en-US'),
  /** A path segment. */
  seg: (text: string | number) => encodeURIComponent(String(text)),
  /** A query string from fields; undefined and empty values left out. */
  query: (fields: Record<string, string | number | undefined>) => {
    const kept = Object.entries(fields).filter(([, v]) => v !== undefined && v !== '') as [string, string][];
    return kept.length === 0
      ? ''
      : `?${new URLSearchParams(kept.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
  },
};

// Pages load nothing but this server's own files: the browser enforces it too.
const contentSecurityPolicy =
  "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** Where the page sits in the navigation. */
export type Section = 'overview' | 'configs' | 'integrations' | 'channels' | 'instances' | 'login';

export interface PageOptions {
  title: string;
  section: Section;
  viewer: Viewer | undefined;
  status?: number;
  /** A message shown at the top of the page: what just happened. */
  notice?: string;
  /** Breadcrumbs before the title: [label, href]. */
  trail?: [string, string][];
}

/**
 * Renders `views/{view}.eta` inside the layout and sends it. Output is escaped unless a
 * template asks for raw output (`<%~ %>`), which only the layout does, for the page body.
 */
export async function renderPage(
  reply: FastifyReply,
  view: string,
  options: PageOptions,
  data: Record<string, unknown> = {},
): Promise<FastifyReply> {
  const eta = await templates();
  const notice = options.notice ?? takeNotice(reply);
  const shared = { ...options, notice, format, csrf: options.viewer?.csrf };
  const body = await eta.renderAsync(`./${view}`, { ...shared, ...data });
  const html = await eta.renderAsync('./layout', { ...shared, body });
  // Pages may show secrets shown once, metadata and configs: never cached.
  reply.header('cache-control', 'no-store');
  reply.header('content-security-policy', contentSecurityPolicy);
  reply.header('x-content-type-options', 'nosniff');
  return reply
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(html);
}

/** The one-shot message a redirect carries to the next page: a cookie, not the URL, so a link cannot put words on a console page. */
const noticeCookie = 'switchboard_console_notice';

/** A redirect after a POST (303, so the browser GETs the page), with an optional notice for that page. */
export function redirectAfterPost(reply: FastifyReply, path: string, notice?: string): FastifyReply {
  if (notice !== undefined) {
    const value = Buffer.from(notice.slice(0, 500), 'utf8').toString('base64url');
    reply.header('set-cookie', cookieHeader(noticeCookie, value, { ...noticeFlags(reply.request), maxAgeSeconds: 60 }));
  }
  return reply.redirect(path, 303);
}

const noticeFlags = (request: FastifyRequest) => ({ path: '/console', secure: request.protocol === 'https' });

/** The notice a redirect left, once: reading it clears it. */
function takeNotice(reply: FastifyReply): string | undefined {
  const value = readCookie(reply.request.headers.cookie, noticeCookie);
  if (value === undefined) return undefined;
  reply.header('set-cookie', cookieHeader(noticeCookie, '', { ...noticeFlags(reply.request), maxAgeSeconds: 0 }));
  return value === '' ? undefined : Buffer.from(value, 'base64url').toString('utf8');
}
