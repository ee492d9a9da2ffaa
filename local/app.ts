import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { buildApp } from '../infra/build-app.ts';
import { LOOPBACK_CERT_FILE, startLocalAws, type LocalAws } from './servers.ts';
import { loadTemplatesFromCdkOut, provisionFromTemplates, resolveFunctionEnvironment, type LocalFunctionConfig, type NamedTemplate, type ProvisionedResources } from './provision.ts';
import { startLocalCloudFormation, stacksFromProvisioned, type LocalCloudFormation } from './cloudformation.ts';
import { drain, pollQueue } from './sqs-poller.ts';
import { FunctionRuntime, type FunctionCode } from './lambda-runtime.ts';
import { checkEventSourceAccess, guardEndpoints } from './iam/enforce.ts';
import type { Denial } from './iam/proxy.ts';
import { functionRole, resourceNaming } from './iam/roles.ts';

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
  /**
   * Check every AWS call of every function against its role's policies from the synthesized template, as AWS does
   * (default true). Off only to show what enforcement catches.
   */
  enforceIam?: boolean;
  /** Changes the synthesized templates before anything is created (tests remove a grant to see it fail). */
  mutateTemplates?: (templates: NamedTemplate[]) => void;
  /** The deployed bundles (default) or, for development, the TypeScript sources (KAM_LOCAL_CODE=sources). */
  code?: CodeMode;
}

export interface LocalApp {
  aws: LocalAws;
  resources: ProvisionedResources;
  templates: NamedTemplate[];
  names: { table: string; bucket: string; ingestQueue: string; ingestDlq: string; chunkQueue?: string; chunkDlq?: string; statementQueue?: string; alertQueue?: string; noticeQueue?: string; noticeDlq?: string; statementDlq?: string; alertDlq?: string };
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
  /** AWS calls the local IAM check refused, in order. */
  denials: Denial[];
  stop(): Promise<void>;
}

export interface LocalFunction {
  logicalId: string;
  /** the module the handler runs from: the bundle, or the TypeScript source */
  code: FunctionCode;
  environment: Record<string, string>;
  /** its execution environments (undefined when it is not running) */
  runtime?: FunctionRuntime;
  invoke(event: unknown): Promise<unknown>;
}

/** What the local runner runs: the bundles `cdk synth` builds (the assets a deploy uploads), or the TypeScript sources. */
export type CodeMode = 'bundles' | 'sources';

/** The code mode from KAM_LOCAL_CODE (`sources` is a development aid: faster start, no bundling faults caught). */
export function codeModeFromEnv(): CodeMode {
  const mode = process.env.KAM_LOCAL_CODE ?? 'bundles';
  if (mode !== 'bundles' && mode !== 'sources') throw new Error(`KAM_LOCAL_CODE must be bundles or sources, not ${mode}`);
  return mode;
}

/**
 * Synthesizes the CDK app into a new directory and returns its templates; with `bundles`, esbuild builds each
 * function's asset there as `cdk deploy` would. The caller removes the directory.
 */
export function synthTemplates(code: CodeMode = 'bundles'): { templates: NamedTemplate[]; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'kam-synth-'));
  try {
    // The local stack has no managed login: its console signs in with USER_PASSWORD_AUTH, which the app client allows only on request.
    const { app } = buildApp({ outdir, context: { consolePasswordAuth: true, ...(code === 'sources' ? { 'aws:cdk:bundling-stacks': [] } : {}) } });
    app.synth();
    return { templates: loadTemplatesFromCdkOut(outdir), outdir };
  } catch (err) {
    rmSync(outdir, { recursive: true, force: true });
    throw err;
  }
}

/** The file and export a function's Handler names inside its code directory (`index.handler` → index.mjs, handler). */
function handlerIn(dir: string, handler: string): FunctionCode {
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(dir, base + ext)).find((f) => existsSync(f));
  if (!file) throw new Error(`handler ${handler}: no ${base}.mjs/.js/.cjs in ${dir}`);
  return { file, exportName: handler.slice(dot + 1) };
}

/** The asset directory of a function's code: Metadata aws:asset:path, else the asset its Code.S3Key names in <stack>.assets.json. */
function assetDirOf(outdir: string, fn: LocalFunctionConfig, template: NamedTemplate): string {
  if (fn.assetPath) return isAbsolute(fn.assetPath) ? fn.assetPath : join(outdir, fn.assetPath);
  const code = template.template.Resources?.[fn.logicalId]?.Properties?.Code as { S3Key?: unknown } | undefined;
  const hash = typeof code?.S3Key === 'string' ? code.S3Key.replace(/\.zip$/, '') : undefined;
  const manifest = join(outdir, `${fn.stackName}.assets.json`);
  if (!hash || !existsSync(manifest)) throw new Error(`${fn.logicalId}: no bundled asset (synthesized without bundling?)`);
  const files = (JSON.parse(readFileSync(manifest, 'utf8')) as { files: Record<string, { source: { path: string } }> }).files;
  const path = files[hash]?.source.path;
  if (!path) throw new Error(`${fn.logicalId}: asset ${hash} is not in ${manifest}`);
  return join(outdir, path);
}

/** Lambda's default cap locally when neither the event source nor the function sets one. */
const DEFAULT_CONCURRENCY = 5;

/**
 * The whole system on the local AWS stack: resources created from the synthesized templates (so local and cloud
 * cannot drift), and each Lambda run unchanged in its own process on its SQS event source, as in AWS.
 */
export async function startLocalApp(opts: LocalAppOptions = {}): Promise<LocalApp> {
  const log = opts.log ?? (() => undefined);
  const code = opts.code ?? codeModeFromEnv();
  const { templates, outdir } = synthTemplates(code);
  for (const [logicalId, props] of Object.entries(opts.queueOverrides ?? {})) {
    const found = templates.map((t) => t.template.Resources?.[logicalId]).find((r) => r?.Type === 'AWS::SQS::Queue');
    if (!found) throw new Error(`queueOverrides: no queue ${logicalId} in the templates`);
    Object.assign((found as { Properties: Record<string, unknown> }).Properties, props);
  }
  opts.mutateTemplates?.(templates);
  const enforceIam = opts.enforceIam ?? true;
  const aws = await startLocalAws({ ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), log });
  let stopped = false;
  const runtimes: FunctionRuntime[] = [];
  const closers: (() => Promise<void>)[] = [];
  const denials: Denial[] = [];
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
      ...optionalQueue('chunkQueue', 'ChunkQueue'),
      ...optionalQueue('chunkDlq', 'ChunkDlq'),
      ...optionalQueue('statementQueue', 'StatementQueue'),
      ...optionalQueue('alertQueue', 'AlertQueue'),
      ...optionalQueue('noticeQueue', 'NoticeQueue'),
      ...optionalQueue('noticeDlq', 'NoticeDlq'),
      ...optionalQueue('statementDlq', 'StatementDlq'),
      ...optionalQueue('alertDlq', 'AlertDlq'),
    };
    const sqs = new SQSClient({ region: aws.region, endpoint: aws.endpoints.sqs, credentials: { ...aws.credentials }, useQueueUrlAsEndpoint: false });
    const functions: LocalFunction[] = [];
    const consumed: string[] = [];
    const failures: LocalApp['failures'] = [];
    const failureListeners = new Set<(f: LocalApp['failures'][number]) => void>();
    const naming = resourceNaming(resources);
    for (const fn of resolveFunctionEnvironment(templates, resources)) {
      if (fn.cdkInternal) continue;
      const template = templates.find((t) => t.stackName === fn.stackName)!;
      const meta = template.template.Resources?.[fn.logicalId]?.Metadata as Record<string, string> | undefined;
      const entry = meta?.['kam:entry'];
      if (!entry && !fn.assetPath) continue;
      const functionCode: FunctionCode =
        code === 'sources' && entry
          ? { file: resolve(REPO_ROOT, entry), exportName: (fn.handler ?? 'index.handler').split('.').pop()! }
          : handlerIn(assetDirOf(outdir, fn, template), fn.handler ?? 'index.handler');
      const environment: Record<string, string> = {
        ...fn.environment,
        ...aws.env(),
        // No X-Ray daemon locally; metrics still print as EMF into the function's log.
        POWERTOOLS_TRACE_ENABLED: 'false',
        AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        // The local user pool's issuer is HTTPS on 127.0.0.1 with a loopback certificate (servers/cognito.ts).
        NODE_EXTRA_CA_CERTS: LOOPBACK_CERT_FILE,
        ...opts.functionEnv,
      };
      // No function calls the Cognito API, and the local IAM check does not model it: leave it unreachable.
      delete environment.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER;
      const logFile = opts.logDir ? openLog(opts.logDir, fn.logicalId) : undefined;
      const role = functionRole(templates, resources, fn.stackName, fn.logicalId);
      for (const arn of role.unresolvedManagedPolicies) log(`iam: ${fn.logicalId}: managed policy ${arn} is not in the templates and grants nothing locally`);
      if (enforceIam) {
        checkEventSourceAccess(fn.logicalId, role, fn.eventSources);
        const proxy = await guardEndpoints(fn.logicalId, role, environment, naming, (d) => {
          denials.push(d);
          const line = { level: 'ERROR', message: 'AccessDenied (local IAM check)', function: d.functionName, action: d.action, resource: d.resource, reason: d.reason, timestamp: d.at };
          logFile?.write(`${JSON.stringify(line)}\n`);
          log(`iam: ${d.functionName} denied ${d.action} on ${d.resource} (${d.reason})`);
        });
        closers.push(() => proxy.close());
      }
      const running = opts.pipeline || fn.eventSources.length === 0;
      const maxConcurrency = fn.reservedConcurrency ?? Math.max(DEFAULT_CONCURRENCY, ...fn.eventSources.map((e) => e.maximumConcurrency ?? 0));
      const runtime = running
        ? new FunctionRuntime({
            name: fn.logicalId,
            code: functionCode,
            environment,
            timeoutSeconds: fn.timeoutSeconds,
            memorySize: fn.memorySize,
            maxConcurrency,
            ...(logFile ? { logFile } : {}),
          })
        : undefined;
      if (runtime) {
        runtimes.push(runtime);
        await runtime.warm();
      }
      const invoke = runtime
        ? (event: unknown) => runtime.invoke(event)
        : async () => {
            throw new Error(`${fn.logicalId} is not running (start with pipeline: true)`);
          };
      const local: LocalFunction = { logicalId: fn.logicalId, code: functionCode, environment, ...(runtime ? { runtime } : {}), invoke };
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
            // Lambda's pollers hand batches to as many environments at once as the mapping's maximum concurrency.
            concurrency: source.maximumConcurrency ?? maxConcurrency,
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
      denials,
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
        await Promise.allSettled(runtimes.map((r) => r.stop()));
        await Promise.allSettled(closers.map((c) => c()));
        resources.notifications.stop();
        await aws.stop();
        rmSync(outdir, { recursive: true, force: true });
      },
    };
    return app;
  } catch (err) {
    abort.abort();
    await Promise.allSettled(runtimes.map((r) => r.stop()));
    await Promise.allSettled(closers.map((c) => c()));
    await aws.stop();
    rmSync(outdir, { recursive: true, force: true });
    throw err;
  }
}

function openLog(logDir: string, name: string): WriteStream {
  mkdirSync(logDir, { recursive: true });
  return createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
}
