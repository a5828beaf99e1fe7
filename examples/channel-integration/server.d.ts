import type { Server } from 'node:http';

export function verifySwitchboardSignature(
  secret: string,
  rawBody: string,
  header: unknown,
  nowSeconds?: number,
): boolean;

export function startExampleIntegration(options?: {
  port?: number;
  host?: string;
  signingSecret?: string;
  /** Print each event's id and type as it arrives. */
  logEvents?: boolean;
}): Promise<{
  server: Server;
  url: string;
  /** Every event received, once each, in arrival order. */
  eventLog: { id: string; type_id: string; [key: string]: unknown }[];
  setSigningSecret: (secret: string) => void;
  close: () => Promise<void>;
}>;
