import { randomUUID } from 'node:crypto';
import type { DoctorReport } from './doctor-report.js';

/** One run started through the API. */
export interface DoctorRunRecord {
  id: string;
  accountId: number;
  manifestUrl: string;
  /** Epoch ms. */
  createdAt: number;
  report?: DoctorReport;
}

/**
 * The API's doctor runs, kept in this process's memory only: at most `max` (the oldest
 * finished ones are forgotten first), lost on restart, and a run started on one node is
 * read from that node. A run is a diagnostic, not data worth a table.
 */
export class DoctorRuns {
  readonly #runs = new Map<string, DoctorRunRecord>();

  constructor(readonly max = 100) {}

  /** A new running record, or undefined when `max` runs are all still running. */
  start(accountId: number, manifestUrl: string, nowMs: number): DoctorRunRecord | undefined {
    if (this.#runs.size >= this.max) {
      const finished = [...this.#runs.values()].find((run) => run.report !== undefined);
      if (finished === undefined) return undefined;
      this.#runs.delete(finished.id);
    }
    const record: DoctorRunRecord = { id: randomUUID(), accountId, manifestUrl, createdAt: nowMs };
    this.#runs.set(record.id, record);
    return record;
  }

  /** The account's run with this id. */
  get(accountId: number, id: string): DoctorRunRecord | undefined {
    const run = this.#runs.get(id);
    return run?.accountId === accountId ? run : undefined;
  }
}
