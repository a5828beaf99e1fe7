import type { Server } from 'node:http';

export function startPushIntegration(options?: { port?: number; host?: string; hostUrl?: string }): Promise<{
  server: Server;
  url: string;
  credentials: Map<string, string>;
  close: () => Promise<void>;
}>;
