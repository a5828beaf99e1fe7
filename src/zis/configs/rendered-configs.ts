import type { IncomingMessage } from 'node:http';
/** A config read's answer, ready to write: its ETag and its body (JSON text). */
export interface RenderedConfig {
  /** The integration the config belongs to: a token for another may not have it. */
  integration: string;
  /** Its ETag; none for a list's answer. */
  etag: string | undefined;
  body: string;
  /** The body's length in bytes, for Content-Length. */
  bytes: number;
}

/** One account's kept answers, and the epoch they were read at. */
interface AccountAnswers {
  epoch: number;
  paths: Map<string, RenderedConfig>;
}

/**
 * Answers of recent config reads, each account's kept until its read epoch moves (on
 * SQLite moved by the store's own config writes to the account, and for every account by
 * another connection's or process's commit; with PostgreSQL's read cache moved by the
 * account's change notifications), then
 * forgotten together. Bounded: at `maxEntries` it is emptied and fills again from the
 * reads that follow. Keyed by the request's path as it came (no key string built per read).
 */
export class RenderedConfigs {
  private readonly accounts = new Map<number, AccountAnswers>();
  private size = 0;

  constructor(private readonly maxEntries: number) {}

  /** The answer kept for the account's `path` at this epoch; a new epoch forgets the account's answers first. */
  get(accountId: number, path: string, epoch: number): RenderedConfig | undefined {
    const answers = this.accounts.get(accountId);
    if (answers === undefined) return undefined;
    if (answers.epoch !== epoch) {
      this.size -= answers.paths.size;
      this.accounts.delete(accountId);
      return undefined;
    }
    return answers.paths.get(path);
  }

  /**
   * Keeps `rendered` for the account's `path`, read at `epoch`, unless the account's epoch
   * has moved since (`currentEpoch`): an answer read before a change is never kept after it.
   */
  set(accountId: number, path: string, epoch: number, rendered: RenderedConfig, currentEpoch = epoch): void {
    if (this.maxEntries === 0 || epoch !== currentEpoch) return;
    // Full: start again rather than track age; a hot set refills at once.
    if (this.size >= this.maxEntries) {
      this.accounts.clear();
      this.size = 0;
    }
    let answers = this.accounts.get(accountId);
    if (answers === undefined || answers.epoch !== epoch) {
      if (answers !== undefined) this.size -= answers.paths.size;
      this.accounts.set(accountId, (answers = { epoch, paths: new Map() }));
    }
    if (!answers.paths.has(path)) this.size++;
    answers.paths.set(path, rendered);
  }
}

/** What the config routes and the fast lane share: kept answers, and the epoch each account is at. */
export interface KeptAnswers {
  cache: RenderedConfigs;
  /** The account's read epoch now; undefined when no answer may be kept or reused (see the fast lane's `readEpoch`). */
  readEpoch: (accountId: number) => number | undefined;
}

/**
 * The key a list page's answer is kept under: its path and query as they came, and what
 * its `links.next` is built from when the Host does not name an account (the protocol, as
 * TLS or a trusted `X-Forwarded-Proto` says, and the local address and port: see
 * `http/public-url.ts`), so an answer is reused only where it would be rendered the same.
 */
export function listAnswerKey(request: IncomingMessage): string {
  const socket = request.socket as IncomingMessage['socket'] & { encrypted?: boolean };
  const forwarded = request.headers['x-forwarded-proto'] ?? '';
  return `${request.url}\n${socket.encrypted ? 's' : ''}${String(forwarded)} ${socket.localAddress} ${socket.localPort}`;
}
