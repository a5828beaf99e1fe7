import { randomUUID } from 'node:crypto';
import { OutboundError } from '../outbound/outbound-error.js';
import type { DoctorRun } from './doctor-run.js';

/** Every event type the vendor documents, with `data` shaped as its schema says. */
function documentedEvents(run: DoctorRun): { type_id: string; data: Record<string, unknown> }[] {
  const metadata = run.metadata;
  const name = run.instance?.name ?? 'Switchboard doctor';
  const url = `${run.host.publicUrl}/api/switchboard/v1/instances/${run.instance?.id ?? 0}`;
  const requestId = randomUUID();
  return [
    { type_id: 'create_integration', data: { manifest_url: run.options.manifestUrl } },
    { type_id: 'destroy_integration', data: { manifest_url: run.options.manifestUrl } },
    { type_id: 'create_integration_instance', data: { metadata } },
    { type_id: 'activate_integration_instance', data: { metadata } },
    { type_id: 'deactivate_integration_instance', data: { metadata, deactivated_by: 'api' } },
    { type_id: 'destroy_integration_instance', data: { metadata } },
    {
      type_id: 'pull_request',
      data: { integration_instance_name: name, url, request_id: requestId, duplicate_external_ids: [] },
    },
    { type_id: 'channelback', data: { integration_instance_name: name, url, request_id: requestId } },
    {
      type_id: 'resources_created_from_external_ids',
      data: {
        request_id: requestId,
        resource_events: [
          {
            type_id: 'comment_on_new_ticket',
            external_id: run.sampleId ?? 'doctor-sample',
            comment_id: 1,
            ticket_id: 1,
          },
        ],
      },
    },
  ];
}

/**
 * Event callbacks: one batch of each documented event, signed as the host signs them;
 * each must be answered 2xx (anything else makes the host retry it).
 */
export async function eventsStep(run: DoctorRun): Promise<void> {
  const url = run.manifest!.urls.event_callback_url?.href;
  if (url === undefined) {
    run.step('events', 'skipped', 'the manifest has no event_callback_url');
    return;
  }
  const integration = run.integration!;
  const events = documentedEvents(run);
  let failed = 0;
  for (const [index, event] of events.entries()) {
    const body = {
      events: [
        {
          id: `doctor-${index + 1}`,
          type_id: event.type_id,
          timestamp: new Date(run.host.nowMs()).toISOString(),
          subdomain: run.host.subdomain,
          integration_name: integration.name,
          integration_id: String(integration.id),
          data: event.data,
        },
      ],
    };
    let problem: string | undefined;
    try {
      const response = await run.host.client.postJson(url, body, { signingSecret: run.signingSecret });
      if (response.status < 200 || response.status > 299) problem = `answered HTTP ${response.status}; expected 2xx`;
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      problem = `failed: ${error.message}`;
    }
    if (problem !== undefined) {
      failed++;
      run.add(
        'events',
        'events.status',
        `a batch of one ${event.type_id} event ${problem}`,
        'events[0].type_id',
        JSON.stringify(event.type_id),
      );
    }
  }
  run.step('events', 'ran', `${events.length} batches, one of each documented event; ${failed} not answered 2xx`);
}
