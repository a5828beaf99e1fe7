import type { ExchangeKind, ExchangeRecord, ExchangeSummary } from './exchange-store.js';

// The exchanges table's rows as both stores read them (snake_case; PostgreSQL int8 parsed
// as numbers by the store's pool), and their records.

export interface ExchangeSummaryRow {
  id: number;
  account_id: number;
  integration_id: number;
  instance_id: number | null;
  kind: ExchangeKind;
  method: string;
  url: string;
  started_at: number;
  duration_ms: number;
  http_status: number | null;
  outcome: 'ok' | 'failed';
  error: string | null;
  findings: string;
  request_bytes: number;
  response_bytes: number | null;
}

export interface ExchangeRow extends ExchangeSummaryRow {
  request_body: string;
  response_body: string | null;
}

const orNull = (value: number | null) => (value === null ? null : Number(value));

export function toExchangeSummary(row: ExchangeSummaryRow): ExchangeSummary {
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    integrationId: Number(row.integration_id),
    instanceId: orNull(row.instance_id),
    kind: row.kind,
    method: row.method,
    url: row.url,
    startedAt: Number(row.started_at),
    durationMs: Number(row.duration_ms),
    httpStatus: orNull(row.http_status),
    outcome: row.outcome,
    error: row.error,
    findingsJson: row.findings,
    requestBytes: Number(row.request_bytes),
    responseBytes: orNull(row.response_bytes),
  };
}

export function toExchange(row: ExchangeRow): ExchangeRecord {
  return { ...toExchangeSummary(row), requestBody: row.request_body, responseBody: row.response_body };
}
