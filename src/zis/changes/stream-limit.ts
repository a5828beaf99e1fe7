import { TooManyRequests } from '../../http/errors.js';

/**
 * Caps the change streams one client address holds open at once on this node. Streams
 * leave the per-client request cap once open (they hold a connection, not a worker), so
 * this is what stops one client from taking every connection the server accepts.
 */
export class StreamLimit {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts a stream for `ip`, or throws 429; returns the release (idempotent). */
  take(ip: string): () => void {
    const count = (this.open.get(ip) ?? 0) + 1;
    if (count > this.max) {
      throw TooManyRequests(
        `This client already has ${this.max} change streams open; close one, or watch a wider filter[scope] ` +
          'with one stream instead of many.',
      );
    }
    this.open.set(ip, count);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(ip) ?? 1) - 1;
      if (left <= 0) this.open.delete(ip);
      else this.open.set(ip, left);
    };
  }
}
