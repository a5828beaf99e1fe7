import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFound } from '../../http/errors.js';
import { generateSecret, hashSecret } from '../../security/secrets.js';
import type { ChannelIntegration, Instance } from '../../store/channel-store.js';
import { idParams, requireAdmin, type ChannelContext } from '../channel-context.js';
import { newPushCredentials } from '../instances/push-credentials.js';
import { validateAdminUiReturn } from '../protocol/admin-ui-return.js';
import { escapeHtml, framedBySelfOnly, page } from './html.js';

const tags = ['Admin UI hand-off'];

const hiddenInputs = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');

/**
 * The console side of the admin UI hand-off: the console's "Add instance" and "Edit" buttons
 * post here; the page answered makes the browser POST the documented fields to the
 * integration's `admin_ui` inside an iframe, with a single-use, expiring `return_url`.
 * Registered inside the console's signed-in scope (session with CSRF token, or basic auth
 * from this server's origin: the scope checks both before these routes run).
 */
export async function adminUiConsoleRoutes(app: FastifyInstance, context: ChannelContext): Promise<void> {
  const { channels } = context;
  await app.register(formbody);

  const handOff = async (
    request: FastifyRequest,
    reply: FastifyReply,
    integration: ChannelIntegration,
    instance: Instance | undefined,
  ) => {
    const manifest = JSON.parse(integration.manifestJson) as {
      push_client_id?: string;
      urls: { admin_ui: { href: string } };
    };
    const token = generateSecret();
    // An edit hands out a fresh push token too: only its hash is kept, so the old one cannot be shown.
    const push = newPushCredentials(instance?.instancePushId);
    const instancePushId = push.instancePushId;
    await channels.createHandoff({
      tokenHash: hashSecret(token),
      accountId: integration.accountId,
      integrationId: integration.id,
      instanceId: instance?.id ?? null,
      instancePushId,
      pushTokenHash: push.pushTokenHash,
      expiresAt: context.nowMs() + context.handoffTtlMs,
      nowMs: context.nowMs(),
    });
    const account = requireAdmin(context, request);
    const fields: Record<string, string> = {
      name: instance?.name ?? '',
      metadata: instance?.metadata ?? '',
      state: instance?.state ?? '',
      return_url: `${context.publicUrlOf(request)}/admin-ui/return/${token}`,
      subdomain: account.subdomain,
      locale: 'en-US',
    };
    if (manifest.push_client_id) {
      fields.instance_push_id = instancePushId;
      fields.zendesk_access_token = push.pushToken;
    }
    const title = instance ? `Edit ${instance.name}` : `Add instance: ${integration.name}`;
    // Metadata is in this page (the protocol sends it to admin_ui): never cache it.
    reply.header('cache-control', 'no-store');
    framedBySelfOnly(reply);
    return reply.type('text/html; charset=utf-8').send(
      page(
        title,
        `<nav aria-label="Breadcrumb" class="trail"><ol>
<li><a href="/console/channel_integrations">Channel integrations</a></li>
<li><a href="/console/channel_integrations/${integration.id}">${escapeHtml(integration.name)}</a></li>
${instance ? `<li><a href="/console/instances/${instance.id}">${escapeHtml(instance.name)}</a></li>` : ''}
</ol></nav>
<h1>${escapeHtml(title)}</h1>
<p class="muted">The integration's own settings page, below: saving it brings you back to the console.</p>
<iframe name="admin_ui" title="${escapeHtml(integration.name)} settings"></iframe>
<form id="handoff" method="post" action="${escapeHtml(manifest.urls.admin_ui.href)}" target="admin_ui">
${hiddenInputs(fields)}
</form>
<script>document.getElementById('handoff').submit();</script>`,
      ),
    );
  };

  app.post<{ Params: { id: number } }>(
    '/console/channel_integrations/:id/admin_ui',
    { schema: { tags, summary: 'Console: start "add instance" in the admin UI', params: idParams } },
    async function addInstanceHandoff(request, reply) {
      const account = requireAdmin(context, request);
      const integration = await channels.getIntegration(account.id, request.params.id);
      if (!integration) throw NotFound(`No channel integration ${request.params.id}.`);
      return handOff(request, reply, integration, undefined);
    },
  );

  app.post<{ Params: { id: number } }>(
    '/console/instances/:id/admin_ui',
    { schema: { tags, summary: 'Console: start "edit instance" in the admin UI', params: idParams } },
    async function editInstanceHandoff(request, reply) {
      const account = requireAdmin(context, request);
      const instance = await channels.getInstance(account.id, request.params.id);
      if (!instance) throw NotFound(`No instance ${request.params.id}.`);
      const integration = await channels.getIntegration(account.id, instance.integrationId);
      if (!integration) throw NotFound(`No channel integration ${instance.integrationId}.`);
      return handOff(request, reply, integration, instance);
    },
  );
}

/**
 * `return_url`: the integration's page posts `name`, `metadata`, `state` here through the
 * admin's browser. The token in the path is the credential: single-use and expiring. A
 * form that fails validation does not use the token up, so a corrected post still works.
 */
export async function adminUiReturnRoutes(
  app: FastifyInstance,
  context: Omit<ChannelContext, 'principalOf'>,
): Promise<void> {
  const { channels } = context;
  await app.register(formbody);

  app.post<{ Params: { token: string }; Body: Record<string, unknown> | undefined }>(
    '/admin-ui/return/:token',
    { schema: { tags, summary: "The admin UI's return_url (form post)" } },
    async function adminUiReturn(request, reply) {
      const html = (status: number, title: string, body: string) =>
        framedBySelfOnly(reply)
          .code(status)
          .type('text/html; charset=utf-8')
          .send(page(title, `<h1>${escapeHtml(title)}</h1>${body}`));
      const validated = validateAdminUiReturn(request.body ?? {});
      if (!validated.ok) {
        const problems = validated.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('');
        return html(
          422,
          'The integration sent invalid settings',
          `<div class="error" role="alert"><ul>${problems}</ul></div><p>Nothing was saved. <a href="/console/channel_integrations" target="_top">Channel integrations</a></p>`,
        );
      }
      const handoff = await channels.consumeHandoff(hashSecret(request.params.token), context.nowMs());
      if (!handoff) {
        return html(
          404,
          'This settings link has expired or was used',
          '<p class="error" role="alert">A settings link works once, for a short time.</p><p>Start again from the <a href="/console/channel_integrations" target="_top">channel integrations</a> in the console.</p>',
        );
      }
      const { name, metadata, state } = validated.form;
      const nowMs = context.nowMs();
      let instance: Instance | undefined;
      if (handoff.instanceId === null) {
        instance = await channels.createInstance({
          accountId: handoff.accountId,
          integrationId: handoff.integrationId,
          name,
          metadata,
          state: state ?? '',
          instancePushId: handoff.instancePushId,
          pushTokenHash: handoff.pushTokenHash,
          nowMs,
        });
      } else {
        instance = await channels.updateInstance(handoff.accountId, handoff.instanceId, {
          name,
          metadata,
          ...(state === undefined ? {} : { state }),
          pushTokenHash: handoff.pushTokenHash,
          nowMs,
        });
      }
      if (!instance) {
        return html(
          404,
          'The instance no longer exists',
          '<p class="error" role="alert">Nothing was saved.</p><p><a href="/console/instances" target="_top">Instances</a></p>',
        );
      }
      return html(
        200,
        `Saved instance ${instance.name}`,
        `<p class="notice" role="status">Instance <strong data-instance-id="${instance.id}">${escapeHtml(instance.name)}</strong> is saved.</p>
<div class="actions">
<a class="button" href="/console/instances/${instance.id}" target="_top">Open ${escapeHtml(instance.name)}</a>
<a href="/console/channel_integrations/${instance.integrationId}" target="_top">Back to the integration</a>
</div>`,
      );
    },
  );
}
