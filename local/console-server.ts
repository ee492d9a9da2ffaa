import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { LocalApp } from './app.ts';
import { startLocalHttpApi, type LocalHttpApi } from './http-api.ts';
import { consolePool, createConsoleUsers, localPassword, type ConsoleUser, type LocalConsolePool } from './console-users.ts';
import { buildConsoleAssets, DIST_DIR } from '../web/build.ts';
import { consoleCsp } from '../infra/constructs/console-site.ts';
import type { Customer } from '../domain/customers/customer-master.ts';

/**
 * The console on the local stack, shaped as it is in AWS: one origin (127.0.0.1:<port>) serves the built web assets
 * with the same security headers CloudFront adds, forwards /api/* to the HTTP API emulator (JWT authorizer, payload
 * 2.0 events, the ConsoleApi function run by the local Lambda runner with its role enforced), and, because the local
 * pool has no hosted UI, forwards the sign-in page's InitiateAuth calls on /cognito/ to the local pool.
 */
export interface LocalConsole {
  url: string;
  api: LocalHttpApi;
  pool: LocalConsolePool;
  /** The users created for local use (one per account manager, a supervisor of every region, an operator). */
  users: (ConsoleUser & { sub?: string })[];
  /** The local users' password (local use only). */
  password: string;
  stop(): Promise<void>;
}

export interface LocalConsoleOptions {
  /** 0 = chosen by the OS (tests); `kam console` uses 8787. */
  port?: number;
  /** The password of every local user (default: a fresh random one that meets the pool's policy). */
  password?: string;
  /** The users to create instead of those of `customers` (tests create their own; [] = none). */
  users?: ConsoleUser[];
  log?: (msg: string) => void;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8' };
const SECURITY_HEADERS: Record<string, string> = {
  // Locally the sign-in page calls the pool through this origin's /cognito/.
  'content-security-policy': consoleCsp([]),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** The users a local console gets from the customer master: its managers, one supervisor of every region, one operator. */
export function localUsers(customers: readonly Pick<Customer, 'accountManagerEmail' | 'region'>[], password: string): ConsoleUser[] {
  const managers = [...new Set(customers.map((c) => c.accountManagerEmail.trim().toLowerCase()).filter(Boolean))].sort();
  const regions = [...new Set(customers.map((c) => c.region))].sort();
  return [
    ...managers.map((email) => ({ email, password, groups: ['managers'] as const })),
    { email: 'supervisor@kam.local', password, groups: ['supervisors'] as const, regions },
    { email: 'operator@kam.local', password, groups: ['operators'] as const },
  ];
}

export async function startLocalConsole(app: LocalApp, customers: readonly Customer[], opts: LocalConsoleOptions = {}): Promise<LocalConsole> {
  const log = opts.log ?? (() => undefined);
  await buildConsoleAssets();
  const pool = consolePool(app);
  const password = opts.password ?? localPassword();
  const users = opts.users ?? localUsers(customers, password);
  const subs = await createConsoleUsers(pool, users);
  const api = await startLocalHttpApi(app, { log });
  const config = JSON.stringify({ auth: { mode: 'local', clientId: pool.clientId, cognitoUrl: '/cognito/' } });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`console: ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Bad Gateway' }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/')) return forward(req, res, `${api.url}${url.pathname}${url.search}`, ['authorization', 'content-type']);
    if (url.pathname === '/cognito/' && req.method === 'POST') {
      // Only the sign-in call the page makes: the rest of the Cognito API stays on its own port.
      if (req.headers['x-amz-target'] !== 'AWSCognitoIdentityProviderService.InitiateAuth') return send(res, 403, 'application/json', '{"message":"only InitiateAuth"}');
      return forward(req, res, pool.endpoint, ['content-type', 'x-amz-target']);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed');
    if (url.pathname === '/config.json') return send(res, 200, TYPES['.json']!, config);
    const path = normalize(url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname));
    const file = join(DIST_DIR, path);
    if (!file.startsWith(DIST_DIR) || !existsSync(file) || !TYPES[extname(file)]) return send(res, 404, 'text/plain; charset=utf-8', 'Not Found');
    return send(res, 200, TYPES[extname(file)]!, readFileSync(file));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    api,
    pool,
    users: users.map((u) => ({ ...u, ...(subs.get(u.email) ? { sub: subs.get(u.email)! } : {}) })),
    password,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await api.stop();
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

/** Forwards a request with only the named headers, and its answer with its status, type and body. */
async function forward(req: IncomingMessage, res: ServerResponse, to: string, headers: readonly string[]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const answer = await fetch(to, {
    method: req.method ?? 'GET',
    headers: Object.fromEntries(headers.flatMap((h) => (typeof req.headers[h] === 'string' ? [[h, req.headers[h] as string]] : []))),
    ...(chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? { body: Buffer.concat(chunks) } : {}),
  });
  const body = Buffer.from(await answer.arrayBuffer());
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}
