import type { ChannelStore } from '../../store/channel-store.js';

/** A pull stopped because its node could not keep its lease: nothing of it is recorded. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly instanceId: number,
    reason: string,
  ) {
    super(`The pull of instance ${instanceId} stopped: ${reason}.`);
  }
}

export interface PullLeaseOptions {
  /** Whose leases these are (the claim's `owner`). */
  owner: string;
  /** How long a claim or a renewal lasts, ms. */
  leaseMs: number;
  /** Epoch milliseconds. */
  nowMs: () => number;
  /** Told of a failed renewal (the database unreachable, say). */
  onError?: (error: unknown) => void;
}

/** A lease this node holds while it pulls; `signal` aborts when it can no longer be kept. */
export interface HeldLease {
  readonly owner: string;
  readonly signal: AbortSignal;
  /** The pull ended: stop renewing. */
  release(): void;
}

interface Entry {
  instanceId: number;
  controller: AbortController;
  /** When the lease runs out, as far as this node knows (its last successful renewal). */
  expiresAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Keeps the leases of the pulls one node runs: renews them every third of a lease, so a
 * live node keeps its instances however slow the integration, while a dead node's run out
 * within one (short) lease and another node pulls them. A pull whose lease another claimer
 * took, or that could not be renewed in time, is aborted before its lease ends, so no two
 * pulls of one instance ever run at once.
 */
export class PullLeases {
  private readonly held = new Map<number, Entry>();
  private renewer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<ChannelStore, 'renewPullLeases'>,
    private readonly options: PullLeaseOptions,
  ) {}

  /** Abort this long before the lease ends: the pull must be gone before another node may claim. */
  private get marginMs(): number {
    return Math.min(2000, Math.floor(this.options.leaseMs / 5));
  }

  start(): void {
    if (this.renewer) return;
    this.renewer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.renewer.unref();
  }

  /** Stops renewing; pulls still held keep their abort deadline. */
  stop(): void {
    clearInterval(this.renewer);
    this.renewer = undefined;
  }

  /** Holds the lease on `instanceId` claimed at `leasedAt`, until `release()`. */
  hold(instanceId: number, leasedAt: number): HeldLease {
    const entry: Entry = {
      instanceId,
      controller: new AbortController(),
      expiresAt: leasedAt + this.options.leaseMs,
      timer: undefined,
    };
    this.abort(this.held.get(instanceId), 'the instance was claimed again by this node');
    this.held.set(instanceId, entry);
    this.arm(entry);
    return {
      owner: this.options.owner,
      signal: entry.controller.signal,
      release: () => {
        clearTimeout(entry.timer);
        if (this.held.get(instanceId) === entry) this.held.delete(instanceId);
      },
    };
  }

  /** Extends every held lease; aborts the pulls whose leases are no longer this node's. */
  async renew(): Promise<void> {
    const ids = [...this.held.keys()];
    if (ids.length === 0) return;
    const nowMs = this.options.nowMs();
    let renewed: number[];
    try {
      renewed = await this.store.renewPullLeases({
        owner: this.options.owner,
        instanceIds: ids,
        nowMs,
        leaseMs: this.options.leaseMs,
      });
    } catch (error) {
      // Each pull's own deadline aborts it in time if this keeps failing.
      this.options.onError?.(error);
      return;
    }
    const kept = new Set(renewed);
    for (const id of ids) {
      const entry = this.held.get(id);
      if (!entry) continue;
      if (kept.has(id)) {
        entry.expiresAt = nowMs + this.options.leaseMs;
        this.arm(entry);
      } else {
        this.abort(entry, 'its lease is no longer this node’s');
      }
    }
  }

  /** (Re)sets the pull's deadline: a margin before its lease ends. */
  private arm(entry: Entry): void {
    clearTimeout(entry.timer);
    const wait = Math.max(0, entry.expiresAt - this.marginMs - this.options.nowMs());
    entry.timer = setTimeout(() => this.abort(entry, 'its lease could not be renewed in time'), wait);
    entry.timer.unref();
  }

  private abort(entry: Entry | undefined, reason: string): void {
    if (!entry || entry.controller.signal.aborted) return;
    clearTimeout(entry.timer);
    entry.controller.abort(new LeaseLostError(entry.instanceId, reason));
  }
}
