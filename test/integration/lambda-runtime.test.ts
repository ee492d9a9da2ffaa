import { readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApp, type LocalApp } from '../../local/app.ts';
import type { InvocationRecord } from '../../local/lambda-runtime.ts';
import type { NamedTemplate } from '../../local/provision.ts';

const PROBE_DIR = fileURLToPath(new URL('../fixtures/functions/probe/', import.meta.url));

/** Adds a probe function (2 s timeout, 128 MB, at most 2 at once, batches of 1) on a queue of its own (visibility 3 s). */
function withProbe(templates: NamedTemplate[]): void {
  const stack = templates.find((t) => t.stackName.endsWith('Stateless'))!.template;
  Object.assign(stack.Resources!, {
    ProbeQueue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 3 } },
    ProbeRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }] } } },
    ProbeRolePolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'probe',
        Roles: [{ Ref: 'ProbeRole' }],
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'], Resource: { 'Fn::GetAtt': ['ProbeQueue', 'Arn'] } }] },
      },
    },
    Probe: {
      Type: 'AWS::Lambda::Function',
      Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Role: { 'Fn::GetAtt': ['ProbeRole', 'Arn'] }, Timeout: 2, MemorySize: 128, Code: { ZipFile: 'see aws:asset:path' } },
      Metadata: { 'aws:asset:path': PROBE_DIR },
    },
    ProbeMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { FunctionName: { Ref: 'Probe' }, EventSourceArn: { 'Fn::GetAtt': ['ProbeQueue', 'Arn'] }, BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } },
    },
  });
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the local runner behaves like Lambda', () => {
  let app: LocalApp;
  let logDir: string;
  let sqs: SQSClient;
  let queueUrl: string;
  const probe = () => app.functions.find((f) => f.logicalId === 'Probe')!;
  const records = (): InvocationRecord[] => probe().runtime!.invocations;
  const probeLog = () =>
    readFileSync(join(logDir, 'Probe.log'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const send = (body: object) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'kam-runtime-logs-'));
    app = await startLocalApp({ pipeline: true, logDir, mutateTemplates: withProbe });
    sqs = new SQSClient({ region: app.aws.region, endpoint: app.aws.endpoints.sqs, credentials: { ...app.aws.credentials }, useQueueUrlAsEndpoint: false });
    queueUrl = app.resources.find('ProbeQueue', { type: 'AWS::SQS::Queue' }).ref;
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('runs the bundle cdk synth built, with the template handler, environment and memory size', () => {
    const ingest = app.functions.find((f) => f.logicalId === 'IngestReadings')!;
    expect(ingest.code.file).toMatch(/asset\.[0-9a-f]{64}\/index\.mjs$/);
    expect(ingest.code.exportName).toBe('handler');
    expect(ingest.environment.NODE_OPTIONS).toContain('--enable-source-maps');
    expect(ingest.environment.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe('1024');
  });

  it('processes two messages at the same time, in two processes, and never more than the maximum concurrency', async () => {
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => send({ id, sleepMs: 1200 })));
    const done = await until('4 invocations', () => (records().filter((r) => r.outcome === 'ok').length >= 4 ? records().filter((r) => r.outcome === 'ok') : undefined));
    const [a, b] = done;
    expect(a!.start < b!.end! && b!.start < a!.end!).toBe(true);
    expect(a!.pid).not.toBe(b!.pid);
    expect(probe().runtime!.peakConcurrency).toBe(2);
  });

  it('kills an invocation past the timeout; its message comes back after the visibility timeout', async () => {
    const before = records().length;
    await send({ id: 'slow', attempts: { 1: { sleepMs: 10_000 } } });
    const [timedOut, retried] = await until('a timeout and a retry', () => {
      const mine = records().slice(before);
      return mine.length >= 2 && mine[1]!.outcome === 'ok' ? mine : undefined;
    });
    expect(timedOut!.outcome).toBe('timeout');
    expect(timedOut!.end! - timedOut!.start).toBeGreaterThanOrEqual(2000);
    expect(timedOut!.end! - timedOut!.start).toBeLessThan(3500);
    // SQS made it visible again 3 s after it was received.
    expect(retried!.start - timedOut!.start).toBeGreaterThanOrEqual(2900);
    const log = probeLog();
    expect(log).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'Task timed out after 2.00 seconds', requestId: timedOut!.requestId }));
    expect(log.filter((l) => l.id === 'slow' && l.probe === 'end').map((l) => l.attempt)).toEqual([2]);
  });

  it('fails an invocation whose heap outgrows the memory size, with a clear log line, and retries in a new process', async () => {
    const before = records().length;
    await send({ id: 'greedy', attempts: { 1: { allocateMb: 600 } } });
    const [failed, retried] = await until(
      'an out-of-memory failure and a retry',
      () => {
        const mine = records().slice(before);
        return mine.length >= 2 && mine[1]!.outcome === 'ok' ? mine : undefined;
      },
      60_000,
    );
    expect(failed!.outcome).toBe('out-of-memory');
    expect(retried!.pid).not.toBe(failed!.pid);
    expect(probeLog()).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'Runtime.OutOfMemory: Probe ran out of memory (its memory size is 128 MB); the invocation failed' }),
    );
  });
});
