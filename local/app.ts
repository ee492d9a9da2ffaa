import { type ChildProcess, fork } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { buildApp } from '../infra/build-app.ts';
import { startLocalAws, type LocalAws } from './servers.ts';
import { loadTemplatesFromCdkOut, provisionFromTemplates, resolveFunctionEnvironment, type NamedTemplate, type ProvisionedResources } from './provision.ts';
import { startLocalCloudFormation, stacksFromProvisioned, type LocalCloudFormation } from './cloudformation.ts';
import { drain, pollQueue } from './sqs-poller.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface LocalAppOptions {
  /** Persistent state directory; omitted = throw-away. */
  dataDir?: string;
  /** Run the Lambda functions on their event sources (otherwise only the servers and resources). */
  pipeline?: boolean;
  /** Where each function's logs go (`<logDir>/<FunctionLogicalId>.log`). */
  logDir?: string;
  log?: (msg: string) => void;
  /** Extra environment for every function (e.g. configuration overrides in tests). */
  functionEnv?: Record<string, string>;
  /** Queue settings that differ locally (e.g. a short visibility timeout so tests see retries and the DLQ quickly). */
  queueOverrides?: Record<string, { VisibilityTimeout?: number }>;
  /** Called once the servers are up, before the functions start (tests wire proxies here). */
  beforeFunctions?: (aws: LocalAws) => void;
}

export interface LocalApp {
  aws: LocalAws;
  resources: ProvisionedResources;
  templates: NamedTemplate[];
  names: { table: string; bucket: string; ingestQueue: string; ingestDlq: string; statementQueue?: string; alertQueue?: string; noticeQueue?: string; noticeDlq?: string };
  functions: LocalFunction[];
  /** DescribeStacks for the synthesized stacks, their Outputs resolved to the local resources (local/cloudformation.ts). */
  cloudformation: LocalCloudFormation;
  /** aws.env() plus AWS_ENDPOINT_URL_CLOUDFORMATION: what clients (the CLI with --stack, tests) need. */
  env(): Record<string, string>;
  /**
   * Resolves when every queue the functions consume is empty and nothing is in flight. Rejects as soon as an
   * invocation fails (its message would only come back after the queue's visibility timeout), naming the log.
   */
  idle(timeoutMs?: number): Promise<void>;
  /** Failed invocations so far. */
  failures: { functionName: string; messageIds: string[] }[];
  stop(): Promise<void>;
}

export interface LocalFunction {
  logicalId: string;
  entry: string;
  environment: Record<string, string>;
  invoke(event: unknown): Promise<unknown>;
}

/** Synthesizes the CDK app (no bundling: the local runner runs the handler sources) and returns its templates. */
export function synthTemplates(): NamedTemplate[] {
  const outdir = mkdtempSync(join(tmpdir(), 'kam-synth-'));
  try {
    const { app } = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    app.synth();
    return loadTemplatesFromCdkOut(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The whole system on the local AWS stack: resources created from the synthesized templates (so local and cloud
 * cannot drift), and each Lambda run unchanged in its own process on its SQS event source, as in AWS.
 */
export async function startLocalApp(opts: LocalAppOptions = {}): Promise<LocalApp> {
  const log = opts.log ?? (() => undefined);
  const templates = synthTemplates();
  for (const [logicalId, props] of Object.entries(opts.queueOverrides ?? {})) {
    const found = templates.map((t) => t.template.Resources?.[logicalId]).find((r) => r?.Type === 'AWS::SQS::Queue');
    if (!found) throw new Error(`queueOverrides: no queue ${logicalId} in the templates`);
    Object.assign((found as { Properties: Record<string, unknown> }).Properties, props);
  }
  const aws = await startLocalAws({ ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), log });
  let stopped = false;
  const children: ChildProcess[] = [];
  const abort = new AbortController();
  const pollers: Promise<void>[] = [];
  try {
    const resources = await provisionFromTemplates(templates, aws, { log });
    const cloudformation = await startLocalCloudFormation({ stacks: stacksFromProvisioned(resources), region: aws.region, accountId: aws.accountId, log });
    aws.beforeStop(() => cloudformation.stop());
    opts.beforeFunctions?.(aws);
    const find = (id: string, type: string) => resources.find(id, { type });
    const optionalQueue = (name: string, id: string): Record<string, string> => {
      const q = resources.queues.find((r) => r.logicalId === id);
      return q ? { [name]: q.ref } : {};
    };
    const names = {
      table: find('UsageTable', 'AWS::DynamoDB::Table').name,
      bucket: find('IngestBucket', 'AWS::S3::Bucket').name,
      ingestQueue: find('IngestQueue', 'AWS::SQS::Queue').ref,
      ingestDlq: find('IngestDlq', 'AWS::SQS::Queue').ref,
      ...optionalQueue('statementQueue', 'StatementQueue'),
      ...optionalQueue('alertQueue', 'AlertQueue'),
      ...optionalQueue('noticeQueue', 'NoticeQueue'),
      ...optionalQueue('noticeDlq', 'NoticeDlq'),
    };
    const sqs = new SQSClient({ region: aws.region, endpoint: aws.endpoints.sqs, credentials: { ...aws.credentials }, useQueueUrlAsEndpoint: false });
    const functions: LocalFunction[] = [];
    const consumed: string[] = [];
    const failures: LocalApp['failures'] = [];
    const failureListeners = new Set<(f: LocalApp['failures'][number]) => void>();
    for (const fn of resolveFunctionEnvironment(templates, resources)) {
      if (fn.cdkInternal) continue;
      const meta = templates.find((t) => t.stackName === fn.stackName)?.template.Resources?.[fn.logicalId]?.Metadata as Record<string, string> | undefined;
      const entry = meta?.['kam:entry'];
      if (!entry) continue;
      const environment = {
        ...fn.environment,
        ...aws.env(),
        // No X-Ray daemon locally; metrics still print as EMF into the function's log.
        POWERTOOLS_TRACE_ENABLED: 'false',
        AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        ...opts.functionEnv,
      };
      const invoke = opts.pipeline || fn.eventSources.length === 0
        ? await startWorker(fn.logicalId, resolve(REPO_ROOT, entry), environment, opts.logDir, children)
        : async () => {
            throw new Error(`${fn.logicalId} is not running (start with pipeline: true)`);
          };
      const local: LocalFunction = { logicalId: fn.logicalId, entry, environment, invoke };
      functions.push(local);
      if (!opts.pipeline) continue;
      for (const source of fn.eventSources) {
        if (!source.queueUrl || !source.enabled) continue;
        consumed.push(source.queueUrl);
        pollers.push(
          pollQueue({
            sqs,
            queueUrl: source.queueUrl,
            queueArn: source.eventSourceArn,
            batchSize: source.batchSize,
            reportBatchItemFailures: source.functionResponseTypes.includes('ReportBatchItemFailures'),
            handler: (event: SQSEvent) => invoke(event) as Promise<undefined>,
            functionName: fn.logicalId,
            timeoutSeconds: fn.timeoutSeconds,
            waitTimeSeconds: 1,
            signal: abort.signal,
            onError: (err) => log(`poller ${fn.logicalId}: ${String(err)}`),
            onBatch: (outcome) => {
              if (!outcome.failed.length) return;
              const failure = { functionName: fn.logicalId, messageIds: outcome.failed };
              failures.push(failure);
              for (const l of failureListeners) l(failure);
            },
          }),
        );
      }
    }
    const app: LocalApp = {
      aws,
      resources,
      templates,
      names,
      functions,
      cloudformation,
      env: () => ({ ...aws.env(), AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url }),
      failures,
      idle: (timeoutMs = 300_000) =>
        new Promise<void>((resolveIdle, rejectIdle) => {
          const onFailure = (f: LocalApp['failures'][number]) => {
            rejectIdle(new Error(`${f.functionName} failed on ${f.messageIds.length} message(s); see ${opts.logDir ? join(opts.logDir, `${f.functionName}.log`) : 'its log'}`));
          };
          failureListeners.add(onFailure);
          drain({ sqs, queueUrls: consumed, settle: () => resources.notifications.settled(), timeoutMs })
            .then(resolveIdle, rejectIdle)
            .finally(() => failureListeners.delete(onFailure));
        }),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        abort.abort();
        await Promise.allSettled(pollers);
        for (const c of children) c.kill();
        resources.notifications.stop();
        await aws.stop();
      },
    };
    return app;
  } catch (err) {
    abort.abort();
    for (const c of children) c.kill();
    await aws.stop();
    throw err;
  }
}

async function startWorker(
  name: string,
  entry: string,
  environment: Record<string, string>,
  logDir: string | undefined,
  children: ChildProcess[],
): Promise<(event: unknown) => Promise<unknown>> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: '--enable-source-maps', ...environment, KAM_LOCAL_ENTRY: entry };
  const child = fork(fileURLToPath(new URL('./lambda-worker.ts', import.meta.url)), [], {
    env,
    stdio: logDir ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: [],
  });
  children.push(child);
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    const out = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
  }
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  await new Promise<void>((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`${name} failed to start (exit ${code}); see its log`)));
    child.on('message', (m: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
      if (m.ready) return ready();
      const p = pending.get(m.id!);
      if (!p) return;
      pending.delete(m.id!);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${name} exited (${code}) during an invocation`));
    pending.clear();
  });
  const timeout = 15 * 60_000;
  return (event: unknown) =>
    new Promise((resolvePromise, reject) => {
      const id = ++next;
      pending.set(id, { resolve: resolvePromise, reject });
      const context: Partial<Context> & { deadline: number } = {
        functionName: name,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
        memoryLimitInMB: environment.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
        awsRequestId: `local-${process.pid}-${id}`,
        logGroupName: `/aws/lambda/${name}`,
        logStreamName: 'local',
        callbackWaitsForEmptyEventLoop: false,
        deadline: Date.now() + timeout,
      };
      child.send({ id, event, context });
    });
}
