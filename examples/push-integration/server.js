// A small push-based Channel-framework integration: no pull_url. Its manifest has a
// push_client_id, so the host's admin UI hand-off gives it an instance_push_id and a
// zendesk_access_token; it keeps them and pushes messages to the host's push API.
// Plain Node.js, no dependencies: run it with `node examples/push-integration/server.js`.
import { createServer } from 'node:http';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

async function readBody(request) {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

/**
 * Starts the integration. `hostUrl`: the Switchboard base URL to push to (the default is
 * `npm start`'s). Credentials live in memory only: restart, and run the hand-off again.
 */
export function startPushIntegration({ port = 4100, host = '127.0.0.1', hostUrl = 'http://127.0.0.1:3000' } = {}) {
  /** instance_push_id → zendesk_access_token, as the admin UI hand-off gave them. */
  const credentials = new Map();
  let latest;
  let sent = 0;

  const server = createServer(async (request, response) => {
    const url = new URL(request.url, `http://${request.headers.host}`);
    const send = (status, type, body) => response.writeHead(status, { 'content-type': type }).end(body);

    if (request.method === 'GET' && url.pathname === '/manifest.json') {
      return send(
        200,
        'application/json',
        JSON.stringify({
          name: 'Example Push Channel',
          id: 'com.example.switchboard-push',
          version: '1.0.0',
          author: 'Switchboard',
          push_client_id: 'example-push-client',
          // No pull_url: this integration pushes.
          urls: { admin_ui: './admin_ui' },
        }),
      );
    }

    if (request.method === 'POST' && url.pathname === '/admin_ui') {
      // The host posts name, metadata, state, return_url, subdomain, locale, and (because
      // the manifest has push_client_id) instance_push_id and zendesk_access_token. The
      // token works once the settings are saved through return_url.
      const fields = Object.fromEntries(new URLSearchParams(await readBody(request)));
      if (fields.instance_push_id && fields.zendesk_access_token) {
        credentials.set(fields.instance_push_id, fields.zendesk_access_token);
        latest = fields.instance_push_id;
      }
      return send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><html><body>
<h1>Example Push Channel settings</h1>
<form method="post" action="${escape(fields.return_url)}" target="_top">
  <label>Name <input name="name" value="${escape(fields.name || 'Push inbox')}" required></label>
  <input type="hidden" name="metadata" value="${escape(fields.metadata || '{}')}">
  <button type="submit">Save</button>
</form></body></html>`,
      );
    }

    if (request.method === 'POST' && url.pathname === '/send') {
      // {"text": "...", "instance_push_id"?: "..."}: pushes one message, answers the host's results.
      let input;
      try {
        input = JSON.parse((await readBody(request)) || '{}');
      } catch {
        return send(400, 'application/json', JSON.stringify({ error: 'send JSON: {"text": "..."}' }));
      }
      const pushId = input.instance_push_id ?? latest;
      const token = credentials.get(pushId);
      if (typeof input.text !== 'string' || !token) {
        const error = token ? 'send JSON: {"text": "..."}' : 'no instance yet: add one in the Switchboard console';
        return send(400, 'application/json', JSON.stringify({ error }));
      }
      sent++;
      const pushed = await fetch(`${hostUrl}/api/v2/any_channel/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          instance_push_id: pushId,
          request_id: `example-${process.pid}-${Date.now()}-${sent}`,
          external_resources: [
            {
              external_id: `example-push-${Date.now()}-${sent}`,
              message: input.text,
              created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
              author: { external_id: 'example-customer', name: 'Example Customer' },
              // One conversation: every message joins (or opens) this thread.
              thread_id: input.thread_id ?? 'example-conversation',
            },
          ],
        }),
      });
      const answer = await pushed.text();
      console.log(`push → HTTP ${pushed.status} ${answer}`);
      return send(pushed.status, 'application/json', answer);
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
        /** The push credentials received so far, by instance_push_id. */
        credentials,
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
  const port = Number(process.env.PORT ?? 4100);
  let started;
  try {
    started = await startPushIntegration({
      port,
      hostUrl: process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:3000',
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
  console.log(`Example push integration on ${url}; manifest at ${url}/manifest.json`);
}
