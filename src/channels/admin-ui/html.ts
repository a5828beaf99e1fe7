import type { FastifyReply } from 'fastify';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A whole page, with the small stylesheet every console page shares. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Switchboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}
button{font:inherit;padding:.3rem .8rem;cursor:pointer}iframe{width:100%;height:32rem;border:1px solid #ccc}
.muted{color:#666}
</style></head><body>${body}</body></html>`;
}

/**
 * The hand-off pages may be framed by this server's own pages only (the return page opens
 * inside the hand-off page's iframe), never by another site: clickjacking. Both headers,
 * for browsers that know only the older one.
 */
export function framedBySelfOnly(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', "frame-ancestors 'self'").header('x-frame-options', 'SAMEORIGIN');
}
