/** What {@link watchRevocations} needs: how to read the version, and what to do when it moves. */
export interface RevocationWatchOptions {
  /** The store's credential revocation version (one cheap single-row read). */
  readVersion: () => Promise<number>;
  /** How often to read it, ms: the longest a revoked credential can outlive its revocation on this node. */
  intervalMs: number;
  /** Called when the version moved (a credential was revoked, through any node or the CLI). */
  onChange: () => void;
  /** A failed read; the next tick tries again. */
  onError: (error: unknown) => void;
}

/**
 * Polls the credential revocation version and calls `onChange` whenever it differs from the
 * last one read, so every node drops its cached authentications within `intervalMs` of a
 * revocation anywhere. Polling rather than LISTEN/NOTIFY: it works the same on both stores,
 * and needs no reconnect logic. A read never overlaps the previous one; the timer does not
 * hold the process open. Resolves once the first version is known.
 */
export async function watchRevocations(options: RevocationWatchOptions): Promise<{ stop: () => Promise<void> }> {
  let known: number | undefined = await options.readVersion().catch((error: unknown) => {
    options.onError(error);
    return undefined;
  });
  let running: Promise<void> | undefined;
  const check = async () => {
    try {
      const version = await options.readVersion();
      // Unknown (the first read failed): some revocation may have been missed, so clear.
      if (version !== known) options.onChange();
      known = version;
    } catch (error) {
      options.onError(error);
    }
  };
  const timer = setInterval(() => {
    running ??= check().finally(() => (running = undefined));
  }, options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
