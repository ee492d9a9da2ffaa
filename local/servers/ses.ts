/** aws-ses-v2-local on 127.0.0.1 (its default host is '::'). */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesModule from 'aws-ses-v2-local';
import type { RunningServer } from './running-server.ts';

/** The JSON `GET /store` of aws-ses-v2-local returns. */
export interface SentMailStore {
  templates: Record<string, unknown>;
  emails: SentMail[];
}
export interface SentMail {
  messageId: string;
  from: string;
  replyTo?: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  attachments: { content: string; contentType: string; filename?: string; size?: number }[];
  /** epoch seconds */
  at: number;
  [extra: string]: unknown;
}

export async function startSes(): Promise<RunningServer> {
  // The package is CommonJS with `exports.default`: Node's ESM loader makes the default import module.exports,
  // bundlers/vitest honour __esModule and hand out exports.default itself.
  type StartSes = (config: { host: string; port: number }) => Promise<Server>;
  const mod = sesModule as unknown as StartSes | { default: StartSes };
  const startSesServer = typeof mod === 'function' ? mod : mod.default;
  const server = await startSesServer({ host: '127.0.0.1', port: 0 });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
