// A small Channel-framework integration, the kind Switchboard hosts: a manifest, an admin
// UI form, a pull endpoint that serves new messages and advances its state, a channelback
// endpoint that takes agents' replies, a clickthrough page that shows a message, and an
// event callback endpoint that logs the events the host sends.
// Plain Node.js, no dependencies: run it with `node examples/channel-integration/server.js`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** Reads a form-encoded request body into an object. */
async function readForm(request) {
  let body = '';
  for await (const chunk of request) body += chunk;
  return { raw: body, fields: Object.fromEntries(new URLSearchParams(body)) };
}

/**
 * Checks `X-Switchboard-Signature: t=<seconds>,v1=<hex>`: an HMAC-SHA256, keyed with the
 * integration's signing secret, of `<t>.<raw body>`, at most 5 minutes old.
 */
export function verifySwitchboardSignature(secret, rawBody, header, nowSeconds = Math.floor(Date.now() / 1000)) {
  const parts = Object.fromEntries(
    String(header ?? '')
      .split(',')
      .map((part) => part.trim().split('=')),
  );
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > 300 || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The "origin service": message n of a conversation, created a minute apart. */
function message(n) {
  return {
    external_id: `example-msg-${n}`,
    message: `Hello from the example integration, message ${n}`,
    created_at: new Date(Date.UTC(2024, 0, 1, 12, n)).toISOString().replace('.000Z', 'Z'),
    author: { external_id: `customer-${n % 3}`, name: `Customer ${n % 3}` },
    // Every third message starts a conversation; the others reply to the one before.
    ...(n % 3 === 0 ? {} : { parent_id: `example-msg-${n - 1}` }),
  };
}

/**
 * Starts the integration. `signingSecret`: when set, pulls without a valid signature are
 * refused (401), as a real integration should.
 */
export function startExampleIntegration({ port = 4000, host = '127.0.0.1', signingSecret, logEvents = false } = {}) {
  let secret = signingSecret;
  /** Replies sent, by request_unique_identifier, and every message by external_id (for clickthrough). */
  const sentReplies = new Map();
  const messages = new Map();
  let replyCount = 0;
  /** Every event received, once each, in arrival order. */
  const eventLog = [];
  const seenEventIds = new Set();
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, `http://${request.headers.host}`);
    const send = (status, type, body) => response.writeHead(status, { 'content-type': type }).end(body);

    if (request.method === 'GET' && url.pathname === '/manifest.json') {
      return send(
        200,
        'application/json',
        JSON.stringify({
          name: 'Example Channel',
          id: 'com.example.switchboard-channel',
          version: '1.0.0',
          author: 'Switchboard',
          // Relative URLs resolve against this manifest's URL, as in the vendor's sample.
          urls: {
            admin_ui: './admin_ui',
            pull_url: './pull',
            channelback_url: './channelback',
            clickthrough_url: './clickthrough',
            event_callback_url: './events',
          },
        }),
      );
    }

    if (request.method === 'POST' && url.pathname === '/admin_ui') {
      // The host posts name, metadata, state, return_url, subdomain, locale. The settings
      // form posts straight back to return_url through the admin's browser.
      const { fields } = await readForm(request);
      let settings = { messages_per_pull: 2 };
      try {
        settings = { ...settings, ...JSON.parse(fields.metadata || '{}') };
      } catch {
        // Unreadable metadata: start from the defaults.
      }
      return send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><html><body>
<h1>Example Channel settings</h1>
<form method="post" action="${escape(fields.return_url)}" target="_top">
  <label>Name <input name="name" value="${escape(fields.name || '')}" required></label>
  <label>Messages per pull <input id="per_pull" type="number" min="1" max="50" value="${escape(settings.messages_per_pull)}"></label>
  <input type="hidden" name="metadata" value="">
  <input type="hidden" name="state" value="${escape(fields.state || JSON.stringify({ cursor: 0 }))}">
  <button type="submit">Save</button>
</form>
<script>
  // Metadata is this integration's own format: JSON here.
  document.querySelector('form').addEventListener('submit', (event) => {
    event.target.metadata.value = JSON.stringify({ messages_per_pull: Number(document.getElementById('per_pull').value) });
  });
</script></body></html>`,
      );
    }

    if (request.method === 'POST' && url.pathname === '/pull') {
      const { raw, fields } = await readForm(request);
      if (secret && !verifySwitchboardSignature(secret, raw, request.headers['x-switchboard-signature'])) {
        return send(401, 'application/json', JSON.stringify({ error: 'bad signature' }));
      }
      const { messages_per_pull: perPull = 2 } = JSON.parse(fields.metadata || '{}');
      const { cursor = 0 } = JSON.parse(fields.state || '{}');
      const resources = Array.from({ length: perPull }, (_, i) => message(cursor + i));
      // The new state is the bookmark: the host hands it back on the next pull.
      return send(
        200,
        'application/json',
        JSON.stringify({
          external_resources: resources,
          state: JSON.stringify({ cursor: cursor + perPull }),
        }),
      );
    }

    if (request.method === 'POST' && url.pathname === '/events') {
      // {"events": [...]}, signed like a pull. Delivery is at least once: skip ids already seen.
      const { raw } = await readForm(request);
      if (secret && !verifySwitchboardSignature(secret, raw, request.headers['x-switchboard-signature'])) {
        return send(401, 'application/json', JSON.stringify({ error: 'bad signature' }));
      }
      let events;
      try {
        events = JSON.parse(raw).events;
      } catch {
        return send(400, 'application/json', JSON.stringify({ error: 'expected JSON {"events": [...]}' }));
      }
      for (const event of Array.isArray(events) ? events : []) {
        if (seenEventIds.has(event.id)) continue;
        seenEventIds.add(event.id);
        eventLog.push(event);
        // The type only: event data can carry the instance's metadata, which is never logged.
        if (logEvents) console.log(`event ${event.id}: ${event.type_id}`);
      }
      return send(200, 'application/json', '{}');
    }

    if (request.method === 'POST' && url.pathname === '/channelback') {
      // An agent's reply: message, parent_id, recipient_id, thread_id, metadata,
      // request_unique_identifier. Retries carry the same request_unique_identifier, so
      // answer a retry with the id already given rather than sending the reply twice.
      const { raw, fields } = await readForm(request);
      if (secret && !verifySwitchboardSignature(secret, raw, request.headers['x-switchboard-signature'])) {
        return send(401, 'application/json', JSON.stringify({ error: 'bad signature' }));
      }
      let externalId = sentReplies.get(fields.request_unique_identifier);
      if (!externalId) {
        externalId = `example-reply-${++replyCount}`;
        sentReplies.set(fields.request_unique_identifier, externalId);
        messages.set(externalId, fields.message);
        // Never log metadata: it holds the origin service's credentials.
        console.log(`channelback ${externalId} to ${fields.recipient_id || '(no recipient)'}: ${fields.message}`);
      }
      return send(200, 'application/json', JSON.stringify({ external_id: externalId, allow_channelback: true }));
    }

    if (request.method === 'GET' && url.pathname === '/clickthrough') {
      // Where the help desk links a message to: here, a page that shows it.
      const externalId = url.searchParams.get('external_id') ?? '';
      const pulled = /^example-msg-(\d+)$/.exec(externalId);
      const text = messages.get(externalId) ?? (pulled ? message(Number(pulled[1])).message : undefined);
      if (text === undefined) return send(404, 'text/html; charset=utf-8', '<!doctype html><p>No such message.</p>');
      return send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><html><body><h1>Message ${escape(externalId)}</h1><p>${escape(text)}</p></body></html>`,
      );
    }

    send(404, 'text/plain', 'not found');
  });
  return new Promise((resolve, reject) => {
    // A taken port (EADDRINUSE) rejects, for the caller to explain, instead of crashing.
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        server,
        url: `http://${host}:${address.port}`,
        eventLog,
        /** Starts checking signatures (the secret is shown when the integration is registered). */
        setSigningSecret: (value) => {
          secret = value;
        },
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(done);
          }),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.PORT ?? 4000);
  let started;
  try {
    started = await startExampleIntegration({
      port,
      signingSecret: process.env.SIGNING_SECRET,
      logEvents: true,
    });
  } catch (error) {
    if (error.code !== 'EADDRINUSE') throw error;
    // One line that says what to do, not a stack trace.
    console.error(
      `Port ${port} is already in use (another copy of this example, or another program). ` +
        `Pick another: PORT=${port + 1} node ${relative(process.cwd(), process.argv[1])}`,
    );
    process.exit(1);
  }
  const { url } = started;
  console.log(`Example channel integration on ${url}; manifest at ${url}/manifest.json`);
}
