import type { ExchangeRecord, ExchangeSummary } from '../../store/exchange-store.js';
import type { Finding } from '../protocol/finding.js';
import { BODY_MAX_BYTES } from './exchange-recorder.js';
import { redactJson, redactRequest } from './redact-body.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** One exchange without its bodies, as the API's list shows it. */
export function exchangeSummaryJson(e: ExchangeSummary) {
  return {
    id: e.id,
    kind: e.kind,
    integration_id: e.integrationId,
    instance_id: e.instanceId,
    method: e.method,
    url: e.url,
    started_at: iso(e.startedAt),
    duration_ms: e.durationMs,
    http_status: e.httpStatus,
    outcome: e.outcome,
    error: e.error,
    findings: JSON.parse(e.findingsJson) as Finding[],
  };
}

const body = (text: string, bytes: number) => ({ body: text, bytes, truncated: bytes > BODY_MAX_BYTES });

/**
 * One exchange with its bodies. Metadata, state and tokens in them are redacted unless
 * `reveal` (the API's `?include=metadata`, the console's "Show metadata").
 */
export function exchangeJson(e: ExchangeRecord, options: { reveal: boolean }) {
  const request = options.reveal ? e.requestBody : redactRequest(e.kind, e.requestBody);
  const response = e.responseBody === null ? null : options.reveal ? e.responseBody : redactJson(e.responseBody);
  return {
    ...exchangeSummaryJson(e),
    redacted: !options.reveal,
    request: body(request, e.requestBytes),
    response: response === null ? null : body(response, e.responseBytes ?? 0),
  };
}

const findingSchema = {
  type: 'object',
  required: ['rule', 'severity', 'message'],
  properties: {
    rule: { type: 'string', description: 'The rule broken, e.g. "pull.resource.created_at".' },
    severity: { type: 'string', enum: ['error', 'warning', 'note'] },
    path: { type: 'string', description: 'The JSON path of the value, e.g. "external_resources[3].created_at".' },
    message: { type: 'string', description: 'What is wrong and what to fix.' },
  },
} as const;

const summaryProperties = {
  id: { type: 'integer' },
  kind: { type: 'string', enum: ['manifest', 'pull', 'channelback', 'event_batch'] },
  integration_id: { type: 'integer' },
  instance_id: {
    type: ['integer', 'null'],
    description: "Null for the integration's own exchanges (manifest fetches, event batches).",
  },
  method: { type: 'string' },
  url: { type: 'string' },
  started_at: {
    type: 'string',
    format: 'date-time',
    description: 'UTC, to the millisecond.',
    examples: ['2024-01-01T00:00:00.123Z'],
  },
  duration_ms: { type: 'integer' },
  http_status: { type: ['integer', 'null'], description: 'Null when no answer came (refused, timed out, network).' },
  outcome: { type: 'string', enum: ['ok', 'failed'] },
  error: { type: ['string', 'null'], description: 'Why it failed; never quotes metadata.' },
  findings: { type: 'array', items: findingSchema },
} as const;

/** `exchangeSummaryJson`'s shape. */
export const exchangeSummarySchema = { type: 'object', properties: summaryProperties } as const;

const bodySchema = {
  type: 'object',
  properties: {
    body: { type: 'string', description: `Cut at ${BODY_MAX_BYTES} bytes; secrets redacted unless revealed.` },
    bytes: { type: 'integer', description: 'The size of the whole body, in bytes.' },
    truncated: { type: 'boolean' },
  },
} as const;

/** `exchangeJson`'s shape. */
export const exchangeSchema = {
  type: 'object',
  properties: {
    ...summaryProperties,
    redacted: { type: 'boolean', description: 'True unless asked for with include=metadata.' },
    request: bodySchema,
    response: { ...bodySchema, type: ['object', 'null'], description: 'Null when no answer came.' },
  },
} as const;
