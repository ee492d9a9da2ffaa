import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalApp } from '../local/app.ts';
import { startLocalConsole, type LocalConsole } from '../local/console-server.ts';
import { signIn, type LocalConsolePool } from '../local/console-users.ts';
import { makeClients } from '../functions/commons/clients.ts';
import { stores } from '../functions/adapters/ports.ts';
import { table } from './output.ts';
import { alive, DATA_DIR, LOG_DIR, SESSION_FILE, STATE_DIR } from './target.ts';

/** Where a running `kam console` leaves what `kam console token` needs (local use only; removed when it stops). */
export const CONSOLE_FILE = join(STATE_DIR, 'console.json');

interface ConsoleSession {
  pid: number;
  url: string;
  pool: LocalConsolePool;
  password: string;
  users: { email: string; groups: readonly string[] }[];
}

/**
 * `kam console`: the account managers' console on the local stack, over the state the last `kam local` left under
 * .kam/ (which it runs first, on the sample data, when there is none). Serves UI and API on 127.0.0.1:<port> until
 * Ctrl-C, with one local user per account manager, a supervisor of every region and an operator.
 */
export async function runConsole(opts: { port: number; data?: string }): Promise<number> {
  if (existsSync(SESSION_FILE)) {
    const session = JSON.parse(readFileSync(SESSION_FILE, 'utf8')) as { pid: number };
    if (alive(session.pid)) {
      console.error(`kam console: a \`kam local --keep\` (pid ${session.pid}) holds the local state; it serves the console itself (see its output)`);
      return 2;
    }
  }
  if (!existsSync(DATA_DIR)) {
    console.log('no local state yet: running `kam local` on the sample data first ...');
    const { runLocal } = await import('./local.ts');
    const data = opts.data ?? fileURLToPath(new URL('../samples', import.meta.url));
    const code = await runLocal({ data });
    if (code !== 0 && !existsSync(DATA_DIR)) return code;
  }
  console.log('starting the local AWS stack on the state under .kam/ ...');
  const app = await startLocalApp({ dataDir: DATA_DIR, logDir: LOG_DIR });
  let consoleServer: Awaited<ReturnType<typeof startLocalConsole>> | undefined;
  const stop = async () => {
    rmSync(CONSOLE_FILE, { force: true });
    await consoleServer?.stop();
    await app.stop();
  };
  try {
    Object.assign(process.env, app.env());
    const customers = await stores(makeClients(), app.names.table).customers.all();
    consoleServer = await startLocalConsole(app, customers, { port: opts.port });
    printConsole(consoleServer.url, writeConsoleSession(consoleServer));
  } catch (err) {
    await stop();
    throw err;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await stop();
  return 0;
}

/** What `kam console token` needs, readable by this user only (local use; removed when the console stops). */
export function writeConsoleSession(c: LocalConsole): ConsoleSession {
  const session: ConsoleSession = { pid: process.pid, url: c.url, pool: c.pool, password: c.password, users: c.users.map((u) => ({ email: u.email, groups: u.groups })) };
  writeFileSync(CONSOLE_FILE, JSON.stringify(session, null, 2), { mode: 0o600 });
  chmodSync(CONSOLE_FILE, 0o600);
  return session;
}

export function printConsole(url: string, session: Pick<ConsoleSession, 'password' | 'users'>): void {
  console.log(`\nConsole: ${url}/  (sign in with one of these users; password for local use only: ${session.password})`);
  console.log(table(session.users.map((u) => ({ user: u.email, group: u.groups.join(', ') }))).replace(/^/gm, '  '));
  console.log('  an ID token for scripts: kam console token EMAIL; stop with Ctrl-C');
}

/** `kam console token EMAIL`: an ID token of a local user from the running `kam console`, for curl and scripts. */
export async function consoleToken(email: string): Promise<number> {
  if (!existsSync(CONSOLE_FILE)) {
    console.error('kam console token: no running `kam console` (start it in another terminal first)');
    return 2;
  }
  const session = JSON.parse(readFileSync(CONSOLE_FILE, 'utf8')) as ConsoleSession;
  if (!alive(session.pid)) {
    console.error('kam console token: the `kam console` that wrote .kam/console.json is no longer running; start it again');
    return 2;
  }
  const user = session.users.find((u) => u.email === email.trim().toLowerCase());
  if (!user) {
    console.error(`kam console token: no local user ${email}; users: ${session.users.map((u) => u.email).join(', ')}`);
    return 2;
  }
  console.log(await signIn(session.pool, user.email, session.password));
  return 0;
}
