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
 * | Cognito  | cognito-local (its parts, own listen)    | HTTP (API) and HTTPS (issuer) both on 127.0.0.1        |
 *
 * Every port is chosen by the OS (port 0), so two stacks can run side by side. Nothing is downloaded.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from './servers/account.ts';
import { startCognito } from './servers/cognito.ts';
import { startDynamoDbLocal } from './servers/dynamodb.ts';
import { startS3, type LocalObjectCreatedEvent } from './servers/s3.ts';
import { startSes, type SentMailStore } from './servers/ses.ts';
import { startSqs } from './servers/sqs.ts';
import { OWNER_FILE, sweepStaleTempDirs, TEMP_PREFIX } from './servers/temp-dirs.ts';

export { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from './servers/account.ts';
export type { LocalObjectCreatedEvent } from './servers/s3.ts';
export type { SentMail, SentMailStore } from './servers/ses.ts';
export { LOOPBACK_CERT_FILE, trustLoopbackCertificate } from './servers/cognito.ts';

export interface LocalAwsOptions {
  /** Persist state here (DynamoDB `-dbPath`, S3 objects, SQS SQLite, Cognito pools and users). Omit for in-memory / temporary state. */
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
  /** The Cognito user pools API (cognito-local, plain HTTP). */
  cognito: string;
  /** `https://127.0.0.1:<port>`: a local user pool's issuer (and ProviderURL after `https://`) is this + `/<pool id>`. */
  cognitoIssuer: string;
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
    const [s3, ses, sqs, cognito] = await Promise.all([
      startS3(join(dataDir, 's3'), events, log).then((r) => (stops.push({ name: 's3', stop: r.stop }), r)),
      startSes().then((r) => (stops.push({ name: 'ses', stop: r.stop }), r)),
      startSqs(persistent ? join(dataDir, 'sqs') : undefined, log).then((r) => (stops.push({ name: 'sqs', stop: r.stop }), r)),
      startCognito(join(dataDir, 'cognito')).then((r) => (stops.push({ name: 'cognito', stop: r.stop }), r)),
    ]).catch(async (err) => {
      await dynamoStopRegistered.catch(() => undefined);
      throw err;
    });
    const dynamo = await dynamoStopRegistered;
    log(`local-aws: all servers up in ${Date.now() - started} ms (dynamodb ${dynamo.url}, s3 ${s3.url}, ses ${ses.url}, sqs ${sqs.url}, cognito ${cognito.url})`);

    const endpoints: LocalAwsEndpoints = { dynamodb: dynamo.url, s3: s3.url, ses: ses.url, sqs: sqs.url, cognito: cognito.url, cognitoIssuer: cognito.issuerBase };
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
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: endpoints.cognito,
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
