import type { FastifyReply } from 'fastify';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The console's main navigation; `target="_top"` leaves the settings iframe when a page opens inside it. */
const consoleNav = [
  ['Configs', '/console/configs'],
  ['Integrations &amp; tokens', '/console/integrations'],
  ['Channel integrations', '/console/channel_integrations'],
  ['Instances', '/console/instances'],
]
  .map(([label, href]) => `<li><a href="${href}" target="_top">${label}</a></li>`)
  .join('');

/**
 * A whole page in the console's layout (its stylesheet, header, navigation and footer), so
 * the hand-off pages look like the console they are part of. The console's templates live
 * in `console/`, which this folder may not import: the layout's few lines are repeated here.
 */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Switchboard console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
</head><body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/console" target="_top">Switchboard</a>
  <nav aria-label="Main"><ul>${consoleNav}</ul></nav>
</header>
<main id="main" tabindex="-1">
${body}
</main>
<footer class="bottom"><a href="/docs" target="_top">API reference</a> · <a href="/healthz" target="_top">Health</a></footer>
</body></html>`;
}

/**
 * The hand-off pages may be framed by this server's own pages only (the return page opens
 * inside the hand-off page's iframe), never by another site: clickjacking. Both headers,
 * for browsers that know only the older one.
 */
export function framedBySelfOnly(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', "frame-ancestors 'self'").header('x-frame-options', 'SAMEORIGIN');
}
