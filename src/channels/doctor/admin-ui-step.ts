import { generateSecret, hashSecret } from '../../security/secrets.js';
import { newPushCredentials, type PushCredentials } from '../instances/push-credentials.js';
import { OutboundError } from '../outbound/outbound-error.js';
import type { DoctorRun } from './doctor-run.js';

/** The instance name the doctor gives when it completes the hand-off itself. */
export const DOCTOR_INSTANCE_NAME = 'Switchboard doctor';

/**
 * The admin UI: POSTs the vendor's fields for "add" (and, once an instance exists, for
 * "edit") and checks that the answer is an HTML page with a form. The hand-off is then
 * completed with `--metadata`, or by a person in the console within `--wait` seconds.
 * True when an instance exists afterwards.
 */
export async function adminUiStep(run: DoctorRun): Promise<boolean> {
  const { host, options } = run;
  const integration = run.integration!;
  const manifest = run.manifest!;
  const token = generateSecret();
  const push = newPushCredentials();
  await host.channels.createHandoff({
    tokenHash: hashSecret(token),
    accountId: host.accountId,
    integrationId: integration.id,
    instanceId: null,
    instancePushId: push.instancePushId,
    pushTokenHash: push.pushTokenHash,
    expiresAt: host.nowMs() + Math.max(options.waitSeconds * 1000, 60_000) + 60_000,
    nowMs: host.nowMs(),
  });
  const returnUrl = `${host.publicUrl}/admin-ui/return/${token}`;
  await postAdminUi(run, 'add', { name: '', metadata: '', state: '' }, returnUrl, push);

  if (options.metadata !== undefined) {
    const handoff = await host.channels.consumeHandoff(hashSecret(token), host.nowMs());
    if (!handoff) throw new Error('the hand-off the doctor made is gone');
    run.instance = await host.channels.createInstance({
      accountId: host.accountId,
      integrationId: integration.id,
      name: DOCTOR_INSTANCE_NAME,
      metadata: options.metadata,
      state: '',
      instancePushId: handoff.instancePushId,
      pushTokenHash: handoff.pushTokenHash,
      nowMs: host.nowMs(),
    });
  } else {
    host.say?.(
      `Complete the admin UI hand-off within ${options.waitSeconds} s: ${host.handoffHint?.(integration.id) ?? returnUrl}`,
    );
    run.instance = await waitForInstance(run);
    if (run.instance === undefined) {
      run.add(
        'admin_ui',
        'admin_ui.handoff',
        `nobody completed the hand-off within ${options.waitSeconds} s; pass --metadata JSON (or --metadata-file) ` +
          'to complete it without a person, or a longer --wait',
        'return_url',
      );
      run.step('admin_ui', 'failed', 'the hand-off was not completed: the steps that need an instance were skipped');
      return false;
    }
  }
  run.metadata = run.instance.metadata;

  // "Edit": the current values, a fresh push token, as the console's Edit button posts them.
  const edit = newPushCredentials(run.instance.instancePushId);
  const editToken = generateSecret();
  await host.channels.createHandoff({
    tokenHash: hashSecret(editToken),
    accountId: host.accountId,
    integrationId: integration.id,
    instanceId: run.instance.id,
    instancePushId: edit.instancePushId,
    pushTokenHash: edit.pushTokenHash,
    expiresAt: host.nowMs() + 60_000,
    nowMs: host.nowMs(),
  });
  const { name, metadata, state } = run.instance;
  await postAdminUi(run, 'edit', { name, metadata, state }, `${host.publicUrl}/admin-ui/return/${editToken}`, edit);
  if (manifest.push_client_id) {
    // The integration now holds the edit's token: the instance takes it, as a completed edit would.
    run.instance =
      (await host.channels.updateInstance(host.accountId, run.instance.id, {
        pushTokenHash: edit.pushTokenHash,
        nowMs: host.nowMs(),
      })) ?? run.instance;
  }
  run.step('admin_ui', 'ran', `"add" and "edit" posted; instance ${run.instance.id} ("${run.instance.name}")`);
  return true;
}

/** POSTs the admin UI form as the admin's browser would (not signed: the browser sends it). */
async function postAdminUi(
  run: DoctorRun,
  action: 'add' | 'edit',
  values: { name: string; metadata: string; state: string },
  returnUrl: string,
  push: PushCredentials,
): Promise<void> {
  const manifest = run.manifest!;
  const fields: Record<string, string> = {
    ...values,
    return_url: returnUrl,
    subdomain: run.host.subdomain,
    locale: 'en-US',
  };
  if (manifest.push_client_id) {
    fields.instance_push_id = push.instancePushId;
    fields.zendesk_access_token = push.pushToken;
  }
  let response;
  try {
    response = await run.host.client.postForm(manifest.urls.admin_ui.href, fields);
  } catch (error) {
    const reason = error instanceof OutboundError ? error.message : String(error);
    run.add('admin_ui', 'admin_ui.status', `the "${action}" POST failed: ${reason}`, 'urls.admin_ui');
    return;
  }
  if (response.status !== 200) {
    run.add(
      'admin_ui',
      'admin_ui.status',
      `answered the "${action}" POST with HTTP ${response.status}`,
      'urls.admin_ui',
    );
    return;
  }
  const type = response.headers['content-type'] ?? '';
  if (!/^text\/html\b/i.test(type)) {
    run.add(
      'admin_ui',
      'admin_ui.html',
      `answered the "${action}" POST as ${JSON.stringify(type)}; it must be an HTML page (text/html)`,
      'urls.admin_ui',
    );
  }
  if (!/<form[\s>]/i.test(response.body)) {
    run.add(
      'admin_ui',
      'admin_ui.form',
      `answered the "${action}" POST with a page that holds no <form>; the page must post name and metadata to return_url`,
      'urls.admin_ui',
    );
  }
}

/** Polls for the instance a person creates through the console, until `--wait` runs out. */
async function waitForInstance(run: DoctorRun) {
  const { host } = run;
  const deadline = host.nowMs() + run.options.waitSeconds * 1000;
  for (;;) {
    const [instance] = await host.channels.listInstances(host.accountId, { integrationId: run.integration!.id });
    if (instance) return instance;
    if (host.nowMs() >= deadline) return undefined;
    await run.sleep(250);
  }
}
