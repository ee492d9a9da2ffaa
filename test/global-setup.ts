import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalApp, type LocalApp } from '../local/app.ts';
import { startSesFaultProxy } from './helpers/ses-fault-proxy.ts';
import { startLocalConsole, type LocalConsole } from '../local/console-server.ts';
import type { LocalConsolePool } from '../local/console-users.ts';

/** What integration tests receive (through inject('localApp')) to reach the one local stack of this test run. */
export interface LocalAppHandle {
  env: Record<string, string>;
  names: LocalApp['names'];
  /**
   * http://127.0.0.1:PORT: GET /idle resolves when every consumed queue is empty and nothing is in flight;
   * POST /invoke/<Function> invokes a function as its trigger would; GET /mail is the SES emulator's store.
   */
  control: string;
  /**
   * The functions' clock (functions/commons/clock.ts): a test writes an ISO time here to run the handlers on a
   * simulated day, and removes the file to give them the real time again.
   */
  clockFile: string;
  /** The console (UI, /api/* through the HTTP API emulator, /cognito/) and its user pool; tests create their users. */
  console: { url: string; pool: LocalConsolePool };
}

declare module 'vitest' {
  export interface ProvidedContext {
    localApp: LocalAppHandle;
  }
}

let app: LocalApp | undefined;
let server: Server | undefined;
let consoleServer: LocalConsole | undefined;

// The local AWS stack and the functions start once per test run, from the synthesized CDK templates.
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The SES emulator's port is known only once the stack is up; the fault proxy in front of it is started first on a
  // port of its own and pointed at the emulator when it is.
  let sesTarget = '';
  const proxy = await startSesFaultProxy(() => sesTarget);
  const clockFile = join(mkdtempSync(join(tmpdir(), 'kam-clock-')), 'clock');
  app = await startLocalApp({
    pipeline: true,
    logDir: 'test/artifacts/logs',
    // Failed notices come back after 2 s instead of 6 minutes, so the DLQ is reached within a test.
    queueOverrides: { NoticeQueue: { VisibilityTimeout: 2 } },
    functionEnv: {
      AWS_ENDPOINT_URL_SES: proxy.url,
      KAM_LOCAL_CLOCK_FILE: clockFile,
      // The fan-out of large files at test scale: above 2 MiB a file is cut into 512 KiB ranges, a gzip above 128 KiB
      // is staged in parts (production: 256 MiB, 64 MiB, 32 MiB), so test/integration/fan-out.test.ts runs every step.
      FAN_OUT_BYTES: String(2 * 1024 * 1024),
      CHUNK_BYTES: String(512 * 1024),
      COMPRESSED_FAN_OUT_BYTES: String(128 * 1024),
    },
    beforeFunctions: (aws) => (sesTarget = aws.endpoints.ses),
  });
  const local = app;
  consoleServer = await startLocalConsole(app, [], { users: [] });
  server = createServer((req, res) => {
    const invoke = /^\/invoke\/([A-Za-z0-9]+)$/.exec(req.url ?? '');
    if (invoke && req.method === 'POST') {
      const fn = local.functions.find((f) => f.logicalId === invoke[1]);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (!fn) {
          res.statusCode = 404;
          return res.end(`no function ${invoke[1]}`);
        }
        fn.invoke(JSON.parse(body || '{}')).then(
          (r) => res.end(JSON.stringify(r ?? null)),
          (err: Error) => {
            res.statusCode = 500;
            res.end(err.message);
          },
        );
      });
      return;
    }
    if (req.url === '/mail') {
      local.aws.readSentMail().then((m) => res.end(JSON.stringify(m)));
      return;
    }
    if (req.url === '/idle') {
      local.idle(120_000).then(
        () => res.end('idle'),
        (err: Error) => {
          res.statusCode = 500;
          res.end(err.message);
        },
      );
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  project.provide('localApp', {
    env: app.env(),
    names: app.names,
    control: `http://127.0.0.1:${address.port}`,
    clockFile,
    console: { url: consoleServer.url, pool: consoleServer.pool },
  });
  return async () => {
    await proxy.close();
    server?.close();
    await consoleServer?.stop();
    await app?.stop();
  };
}
