import { manifestUrlOf } from './channel-rules.js';
import type { ChannelIntegration, PulledResource } from './channel-store.js';
import type { EventBatch, EventRecord, EventTypeId, NewOutboxEvent, OutboxEvent } from './event-outbox-store.js';

// What goes into the event outbox, as pure functions: both stores build their events with
// these inside their transaction, so SQLite and PostgreSQL enqueue the same events.

/**
 * The event callback URL of a stored manifest: `urls.event_callback_url`, resolved
 * (`{ href }`) or a plain string. Null when absent or empty: such integrations get no events.
 */
export function eventCallbackUrlOf(manifestJson: string): string | null {
  return manifestUrlOf(manifestJson, 'event_callback_url');
}

/**
 * One event about `integration` (and `instanceId`'s instance), or none when the manifest has
 * no `event_callback_url`. `data` never holds metadata: it is read when the batch is sent.
 */
export function outboxEvent(
  integration: ChannelIntegration,
  typeId: EventTypeId,
  event: { instanceId?: number | null; data?: object; error?: string | null; nowMs: number },
): NewOutboxEvent[] {
  const callbackUrl = eventCallbackUrlOf(integration.manifestJson);
  if (callbackUrl === null) return [];
  return [
    {
      accountId: integration.accountId,
      integrationId: integration.id,
      integrationCreatedAt: integration.createdAt,
      integrationName: integration.name,
      callbackUrl,
      instanceId: event.instanceId ?? null,
      typeId,
      error: event.error ?? null,
      dataJson: JSON.stringify(event.data ?? {}),
      nowMs: event.nowMs,
    },
  ];
}

/** A stored resource: its id (the vendor's `comment_id`) and thread (`ticket_id`). */
export interface StoredResourceIds {
  id: number;
  threadId: number;
  /** The id of the first resource of its thread: the one that opened it. */
  firstInThread: number;
}

/**
 * The events of a successful pull: `resources_created_from_external_ids` for the resources it
 * stored (a new thread is `comment_on_new_ticket`, a joined one `comment_on_existing_ticket`)
 * and `pull_request` listing its duplicates. `before` holds the resources stored before the
 * pull, `after` those stored after it, both by external id.
 */
export function pullEvents(
  integration: ChannelIntegration,
  pull: {
    instanceId: number;
    instanceName: string;
    pullUrl: string;
    pullId: number;
    resources: readonly PulledResource[];
    before: ReadonlySet<string>;
    after: ReadonlyMap<string, StoredResourceIds>;
    nowMs: number;
  },
): NewOutboxEvent[] {
  const requestId = String(pull.pullId);
  const seen = new Set<string>();
  const created: object[] = [];
  const duplicates: object[] = [];
  for (const { externalId } of pull.resources) {
    const stored = pull.after.get(externalId);
    if (pull.before.has(externalId) || seen.has(externalId)) {
      duplicates.push({
        external_id: externalId,
        request_id: requestId,
        ...(stored ? { ticket_id: stored.threadId, comment_id: stored.id } : {}),
      });
    } else if (stored) {
      created.push(createdResource(externalId, stored));
    }
    seen.add(externalId);
  }
  const events: NewOutboxEvent[] = [];
  const base = { instanceId: pull.instanceId, nowMs: pull.nowMs };
  if (created.length > 0) {
    events.push(
      ...outboxEvent(integration, 'resources_created_from_external_ids', {
        ...base,
        data: { request_id: requestId, resource_events: created },
      }),
    );
  }
  if (duplicates.length > 0) {
    events.push(
      ...outboxEvent(integration, 'pull_request', {
        ...base,
        data: {
          integration_instance_name: pull.instanceName,
          url: pull.pullUrl,
          request_id: requestId,
          duplicate_external_ids: duplicates,
        },
      }),
    );
  }
  return events;
}

/** One entry of `resource_events`: a new thread is `comment_on_new_ticket`, a joined one `comment_on_existing_ticket`. */
function createdResource(externalId: string, stored: StoredResourceIds) {
  return {
    type_id: stored.firstInThread === stored.id ? 'comment_on_new_ticket' : 'comment_on_existing_ticket',
    external_id: externalId,
    comment_id: stored.id,
    ticket_id: stored.threadId,
  };
}

/**
 * The event of a push that stored resources: `resources_created_from_external_ids`, shaped
 * like a pull's. `resources` are those the push stored (never an `already_imported` one);
 * `after` holds them as stored. Without the push's `request_id`, the request id is made
 * from the first stored resource's id, which no other push or pull shares.
 */
export function pushEvents(
  integration: ChannelIntegration,
  push: {
    instanceId: number;
    requestId: string | null;
    resources: readonly { externalId: string }[];
    after: ReadonlyMap<string, StoredResourceIds>;
    nowMs: number;
  },
): NewOutboxEvent[] {
  const created = push.resources.flatMap(({ externalId }) => {
    const stored = push.after.get(externalId);
    return stored ? [{ stored, event: createdResource(externalId, stored) }] : [];
  });
  if (created.length === 0) return [];
  const requestId = push.requestId ?? `push-${created[0]!.stored.id}`;
  return outboxEvent(integration, 'resources_created_from_external_ids', {
    instanceId: push.instanceId,
    data: { request_id: requestId, resource_events: created.map(({ event }) => event) },
    nowMs: push.nowMs,
  });
}

/**
 * The events of a sent channelback: `channelback`, and, when the reply became a stored
 * resource (`stored`; an external id the instance had already is not stored again),
 * `resources_created_from_external_ids` with `external_id_associated_with_channelback`.
 * Both carry the reply's `request_unique_identifier` as `request_id`.
 */
export function channelbackEvents(
  integration: ChannelIntegration,
  reply: {
    instanceId: number;
    instanceName: string;
    channelbackUrl: string;
    requestId: string;
    externalId: string;
    stored: { id: number; threadId: number } | null;
    nowMs: number;
  },
): NewOutboxEvent[] {
  const base = { instanceId: reply.instanceId, nowMs: reply.nowMs };
  const events = outboxEvent(integration, 'channelback', {
    ...base,
    data: { integration_instance_name: reply.instanceName, url: reply.channelbackUrl, request_id: reply.requestId },
  });
  if (reply.stored === null) return events;
  return events.concat(
    outboxEvent(integration, 'resources_created_from_external_ids', {
      ...base,
      data: {
        request_id: reply.requestId,
        resource_events: [
          {
            type_id: 'external_id_associated_with_channelback',
            external_id: reply.externalId,
            comment_id: reply.stored.id,
            ticket_id: reply.stored.threadId,
          },
        ],
      },
    }),
  );
}

/** `event_outbox` rows as both stores read them. */
export interface OutboxRow {
  id: number;
  account_id: number;
  integration_id: number;
  instance_id: number | null;
  callback_url: string;
  integration_created_at: number;
  integration_name: string;
  subdomain: string;
  type_id: EventTypeId;
  error: string | null;
  data: string;
  created_at: number;
  status: EventRecord['status'];
  attempts: number;
  last_error: string | null;
  last_attempt_at: number | null;
  delivered_at: number | null;
}

/** A claimed row, with its instance's metadata (LEFT JOIN: null when none). */
export type ClaimedOutboxRow = OutboxRow & { instance_metadata: string | null };

/** The values `enqueue` inserts, in the order of both stores' insert statements. */
export const outboxInsertValues = (event: NewOutboxEvent) => [
  event.accountId,
  event.integrationId,
  event.instanceId,
  event.callbackUrl,
  event.integrationCreatedAt,
  event.integrationName,
  event.typeId,
  event.error,
  event.dataJson,
  event.nowMs,
];

const toOutboxEvent = (row: ClaimedOutboxRow): OutboxEvent => ({
  id: row.id,
  accountId: row.account_id,
  integrationId: row.integration_id,
  instanceId: row.instance_id,
  typeId: row.type_id,
  error: row.error,
  dataJson: row.data,
  subdomain: row.subdomain,
  integrationName: row.integration_name,
  createdAt: row.created_at,
  attempts: row.attempts,
  metadata: row.instance_metadata,
});

/**
 * Claimed rows (one integration's, oldest first) as a batch. It stops before the first
 * event for another callback URL or signing secret (the manifest changed meanwhile), so
 * every batch goes to one URL with one signature; the rest follow in the next batch.
 */
export function toEventBatch(rows: readonly ClaimedOutboxRow[]): EventBatch | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const events: OutboxEvent[] = [];
  for (const row of rows) {
    if (row.callback_url !== first.callback_url || row.integration_created_at !== first.integration_created_at) break;
    events.push(toOutboxEvent(row));
  }
  return {
    integrationId: first.integration_id,
    accountId: first.account_id,
    integrationCreatedAt: first.integration_created_at,
    callbackUrl: first.callback_url,
    events,
  };
}

export const toEventRecord = (row: OutboxRow): EventRecord => ({
  id: row.id,
  integrationId: row.integration_id,
  instanceId: row.instance_id,
  typeId: row.type_id,
  status: row.status,
  attempts: row.attempts,
  lastError: row.last_error,
  dataJson: row.data,
  createdAt: row.created_at,
  lastAttemptAt: row.last_attempt_at,
  deliveredAt: row.delivered_at,
});
