/**
 * What `serve` says when its port is taken: the port, and how to pick another. Thrown
 * instead of the bare `listen EADDRINUSE`; the CLI prints its message on one line, no stack.
 */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    host: string,
  ) {
    super(
      `port ${port} on ${host} is already in use (another Switchboard, or another program). ` +
        `Pick another: PORT=${port + 1} switchboard serve (or serve --port ${port + 1})`,
    );
    this.name = 'PortInUseError';
  }
}

/** True for the error `listen` rejects with when the address is taken. */
export const isAddressInUse = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
