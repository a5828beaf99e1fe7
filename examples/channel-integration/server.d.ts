import type { Server } from 'node:http';

export function verifySwitchboardSignature(
  secret: string,
  rawBody: string,
  header: unknown,
  nowSeconds?: number,
): boolean;

export function startExampleIntegration(options?: { port?: number; host?: string; signingSecret?: string }): Promise<{
  server: Server;
  url: string;
  setSigningSecret: (secret: string) => void;
  close: () => Promise<void>;
}>;
