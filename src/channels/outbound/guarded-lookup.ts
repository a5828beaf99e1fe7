import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';

/**
 * The DNS lookup Switchboard's outbound sockets use: resolve, then check every address
 * before the socket may connect.
 *
 * Why here and not before the request: checking a name up front and then letting the
 * socket resolve it again leaves a window in which DNS can answer differently (DNS
 * rebinding). Here the socket connects to exactly the addresses that were checked.
 *
 * Why refuse when ANY address is bad, rather than drop the bad ones: with Happy Eyeballs
 * (Node's `autoSelectFamily`) the socket may try any address it is given, so every one
 * must be safe; and a name that mixes public and private addresses is either a
 * misconfiguration or an attack, which a clear refusal surfaces better than calls that
 * work or fail depending on which address wins.
 *
 * Node does not call `lookup` for IP-literal hosts, so those are checked before
 * connecting (see `urlProblem`).
 */

/** Why an address must not be called, or undefined if it may. */
export type AddressCheck = (ip: string) => string | undefined;

/** Raised inside the socket when a resolved address is refused; the client turns it into an `OutboundError`. */
export class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
  constructor(
    readonly hostname: string,
    readonly address: string,
    /** The guard's reason, naming the address. */
    readonly problem: string,
  ) {
    super(`${hostname} resolved to ${address}, and ${problem}`);
  }
}

/** A `net.connect` lookup function that refuses names resolving to any address `check` refuses. */
export function guardedLookup(check: AddressCheck): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...(options as LookupOptions), all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '');
        return;
      }
      const first = addresses[0];
      if (!first) {
        const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        notFound.code = 'ENOTFOUND';
        callback(notFound, '');
        return;
      }
      for (const { address } of addresses) {
        const problem = check(address);
        if (problem !== undefined) {
          callback(new RefusedAddressError(hostname, address, problem), '');
          return;
        }
      }
      // net asks for all addresses when it will race them (autoSelectFamily), else for one.
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
