import type { InspectorSetting } from '../../inspector-setting.js';
import type { ExchangeKind, ExchangeOwner, ExchangeStore } from '../../store/exchange-store.js';
import type { Finding } from '../protocol/finding.js';

/** Bodies are kept up to this many bytes (UTF-8); their full size is kept beside them. */
export const BODY_MAX_BYTES = 64 * 1024;

/** One exchange as an exchange function saw it: what it sent, what came back, what was wrong. */
export interface ExchangeDraft extends ExchangeOwner {
  kind: ExchangeKind;
  method: 'GET' | 'POST';
  url: string;
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  httpStatus: number | null;
  outcome: 'ok' | 'failed';
  error: string | null;
  findings: Finding[];
  requestBody: string;
  responseBody: string | null;
}

/** What the recorder keeps (`SWITCHBOARD_INSPECTOR_EXCHANGES`, parsed in `inspector-setting.ts`). */
export type InspectorSettings = InspectorSetting;

/**
 * Records the exchanges Switchboard has with integrations into the store's rings, as
 * `SWITCHBOARD_INSPECTOR_EXCHANGES` says. The exchange functions (pull, channelback, event
 * batch, manifest fetch) ask {@link wants} first, so an exchange not kept costs nothing
 * more, and {@link record} never rejects: a failed recording is logged, never the exchange's failure.
 */
export class ExchangeRecorder {
  constructor(
    private readonly store: Pick<ExchangeStore, 'recordExchange'>,
    private readonly settings: InspectorSettings,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Whether an exchange with this outcome and this many findings is kept. */
  wants(outcome: 'ok' | 'failed', findings: number): boolean {
    if (this.settings.exchanges <= 0) return false;
    return !this.settings.errorsOnly || outcome === 'failed' || findings > 0;
  }

  /** Stores the exchange (if {@link wants} it), bodies cut at {@link BODY_MAX_BYTES}. */
  async record(draft: ExchangeDraft): Promise<void> {
    if (!this.wants(draft.outcome, draft.findings.length)) return;
    const { findings, requestBody, responseBody, ...rest } = draft;
    const request = cut(requestBody);
    const response = responseBody === null ? null : cut(responseBody);
    try {
      await this.store.recordExchange(
        {
          ...rest,
          findingsJson: JSON.stringify(findings),
          requestBody: request.text,
          requestBytes: request.bytes,
          responseBody: response?.text ?? null,
          responseBytes: response?.bytes ?? null,
        },
        this.settings.exchanges,
      );
    } catch (error) {
      // The message only: a database error's detail may quote the row.
      const reason = error instanceof Error ? error.message : String(error);
      this.onError(new Error(`The inspector could not record a ${draft.kind} exchange: ${reason}`));
    }
  }
}

/**
 * The body within the limit, and its full size. A cut never splits a character; U+0000,
 * which PostgreSQL text cannot hold, is shown as U+FFFD.
 */
function cut(body: string): { text: string; bytes: number } {
  const bytes = Buffer.byteLength(body, 'utf8');
  let text = body;
  if (bytes > BODY_MAX_BYTES) {
    text = Buffer.from(body, 'utf8')
      .subarray(0, BODY_MAX_BYTES)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
  }
  return { text: text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text, bytes };
}
