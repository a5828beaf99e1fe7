import type { RotationBatch } from './encryption/key-rotation.js';
import { plainWrite, plainRead, type MethodTable } from './method-facts.js';
import { openExchange, sealExchange } from './encryption/encrypting-exchanges.js';

/** What Switchboard called: a manifest fetch, a pull, a channelback or one event batch. */
export type ExchangeKind = 'manifest' | 'pull' | 'channelback' | 'event_batch';

/**
 * Which ring an exchange belongs to: an instance's (pulls, channelbacks), or its integration's
 * own (manifest fetches, event batches: `instanceId` null). An instance's list shows both.
 */
export interface ExchangeOwner {
  accountId: number;
  integrationId: number;
  instanceId: number | null;
}

/** One exchange to record. Bodies are plaintext here, already cut to the inspector's limit. */
export interface NewExchange extends ExchangeOwner {
  kind: ExchangeKind;
  method: string;
  url: string;
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  /** Null: no answer (refused, timed out, network failure). */
  httpStatus: number | null;
  outcome: 'ok' | 'failed';
  /** Why it failed, as the pull log or the reply says it; never quotes metadata. */
  error: string | null;
  /** The findings as a JSON array (`Finding[]`, see `channels/protocol/finding.ts`). */
  findingsJson: string;
  requestBody: string;
  /** The request body's size in bytes before any cut. */
  requestBytes: number;
  responseBody: string | null;
  responseBytes: number | null;
}

/** One stored exchange without its bodies: a row of the list. */
export interface ExchangeSummary extends ExchangeOwner {
  id: number;
  kind: ExchangeKind;
  method: string;
  url: string;
  startedAt: number;
  durationMs: number;
  httpStatus: number | null;
  outcome: 'ok' | 'failed';
  error: string | null;
  findingsJson: string;
  requestBytes: number;
  responseBytes: number | null;
}

/** One stored exchange with its bodies (plaintext outside the encryption wrapper). */
export interface ExchangeRecord extends ExchangeSummary {
  requestBody: string;
  responseBody: string | null;
}

/** The instance whose exchanges are read: its own, and its integration's (manifest, events). */
export interface ExchangeScope {
  accountId: number;
  instanceId: number;
  integrationId: number;
}

/**
 * The inspector's storage: a bounded ring of exchanges per instance, and one per integration
 * for the exchanges that belong to no instance. Behind the store's encryption wrapper
 * (`encryption/encrypting-exchanges.ts`) bodies are plaintext; inside it, and in the
 * database, they are only ciphertext. Not backed up.
 */
export interface ExchangeStore {
  /**
   * Stores one exchange and, in the same transaction, deletes the oldest of its ring past
   * the newest `keep`, so a ring never holds more than `keep` rows. Returns the new id, or
   * undefined (nothing stored) when its instance or integration no longer exists: the events
   * of a deleted integration still go out, and a pull may finish as its instance is deleted.
   */
  recordExchange(exchange: NewExchange, keep: number): Promise<number | undefined>;
  /**
   * The scope's exchanges (the instance's and its integration's own), newest first, with
   * ids below `beforeId` when given, at most `limit`. Another account's are never found.
   */
  listExchanges(scope: ExchangeScope, page: { beforeId?: number; limit: number }): Promise<ExchangeSummary[]>;
  /** One exchange of the scope, with its bodies; undefined when the scope has no such exchange. */
  getExchange(scope: ExchangeScope, id: number): Promise<ExchangeRecord | undefined>;
  /**
   * Key rotation, one batch: the exchanges after `afterId` (at most `limit`) whose bodies
   * are not under the current key are re-encrypted under it, each only if unchanged since read.
   */
  reencryptExchanges(batch: { afterId: number; limit: number }): Promise<RotationBatch>;
}

/** Stored bodies as key rotation reads them. */
export interface StoredBodiesRow {
  id: number;
  requestBody: string;
  responseBody: string | null;
}

/** One row to rewrite, only if it still holds `old`. */
export interface BodiesRewrite {
  id: number;
  old: StoredBodiesRow;
  requestBody: string;
  responseBody: string | null;
}

/** The store under the encryption wrapper: bodies pass through as stored, and rotation reads and rewrites them. */
export interface ExchangeStorage extends Omit<ExchangeStore, 'reencryptExchanges'> {
  storedBodies(afterId: number, limit: number): Promise<StoredBodiesRow[]>;
  /** Each row rewritten only if it still holds what was read; returns how many were. */
  rewriteBodies(rewrites: BodiesRewrite[]): Promise<number>;
}

/**
 * The inspector's rings: bodies sealed on the way in and opened on the way out. U+0000 is
 * passed on: the recorder never refuses an exchange (a body is text as the integration sent it).
 */
export const exchangeStoreTable = {
  recordExchange: { ...plainWrite, seal: ([exchange, keep], cipher) => [sealExchange(exchange, cipher), keep] },
  listExchanges: plainRead,
  getExchange: { ...plainRead, open: openExchange },
  reencryptExchanges: plainWrite,
} satisfies MethodTable<ExchangeStore>;
