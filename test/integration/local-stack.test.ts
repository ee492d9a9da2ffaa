import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeS3EventKey, encodeS3EventKey } from '../../local/notifications.ts';
import {
  loadTemplatesFromCdkOut,
  provisionFromTemplates,
  resolveFunctionEnvironment,
  type NamedTemplate,
  type ProvisionedResources,
} from '../../local/provision.ts';
import { startLocalAws, type LocalAws } from '../../local/servers.ts';
import { drain, pollQueue, type BatchOutcome } from '../../local/sqs-poller.ts';

const fixtures = fileURLToPath(new URL('../fixtures/templates/', import.meta.url));
const serversModule = fileURLToPath(new URL('../../local/servers.ts', import.meta.url));

let aws: LocalAws;
let templates: NamedTemplate[];
let provisioned: ProvisionedResources;
let startupMs: number;
const logs: string[] = [];
const savedEnv = { ...process.env };

// SDK clients configured only through the variables env() returns, as the handlers will be
let dynamodb: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let s3: S3Client;
let sqs: SQSClient;

beforeAll(async () => {
  const started = Date.now();
  aws = await startLocalAws({ log: (m) => logs.push(m) });
  startupMs = Date.now() - started;
  Object.assign(process.env, aws.env());
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;

  templates = loadTemplatesFromCdkOut(fixtures);
  provisioned = await provisionFromTemplates(templates, aws, { log: (m) => logs.push(m) });

  dynamodb = new DynamoDBClient({});
  documents = DynamoDBDocumentClient.from(dynamodb);
  // path-style comes from the endpoint being an IP address; checksums from AWS_REQUEST_CHECKSUM_CALCULATION
  s3 = new S3Client({});
  sqs = new SQSClient({});
});

afterAll(async () => {
  dynamodb?.destroy();
  s3?.destroy();
  sqs?.destroy();
  await aws?.stop();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

/** Listening TCP sockets from /proc/net/tcp{,6}: "address:port" strings. */
function listeningSockets(): { address: string; port: number; family: 4 | 6 }[] {
  const out: { address: string; port: number; family: 4 | 6 }[] = [];
  for (const [file, family] of [
    ['/proc/net/tcp', 4],
    ['/proc/net/tcp6', 6],
  ] as const) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A = LISTEN
      const [hexAddr, hexPort] = cols[1]!.split(':');
      let address: string;
      if (family === 4) {
        const n = Number.parseInt(hexAddr!, 16);
        address = [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join('.');
      } else {
        address = hexAddr!; // 32 hex digits; anything here is not an IPv4-only loopback bind
      }
      out.push({ address, port: Number.parseInt(hexPort!, 16), family });
    }
  }
  return out;
}

const portOf = (url: string) => Number(new URL(url).port);
const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // an exited child that nobody reaped yet (e.g. no init reaping in a container) is not alive
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local AWS stack', () => {
  it('starts every server on 127.0.0.1 only', () => {
    logs.push(`startup took ${startupMs} ms`);
    const ports = Object.values(aws.endpoints).map(portOf);
    // DynamoDB, S3, SES, SQS, and Cognito's API (HTTP) and issuer (HTTPS)
    expect(new Set(ports).size).toBe(6);
    for (const url of Object.values(aws.endpoints)) expect(url).toMatch(/^https?:\/\/127\.0\.0\.1:\d+$/);

    const sockets = listeningSockets();
    for (const port of ports) {
      const bound = sockets.filter((s) => s.port === port);
      expect(bound.length, `port ${port} listening`).toBeGreaterThan(0);
      expect(bound, `port ${port} bound to 127.0.0.1 only`).toEqual(bound.map(() => ({ address: '127.0.0.1', port, family: 4 })));
    }

    // the same through ss, when available
    let ss: string | undefined;
    try {
      ss = execFileSync('ss', ['-ltnH'], { encoding: 'utf8' });
    } catch {
      ss = undefined;
    }
    if (ss !== undefined) {
      for (const port of ports) {
        const lines = ss.split('\n').filter((l) => new RegExp(`:${port}\\s`).test(l));
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) expect(line.split(/\s+/)[3]).toBe(`127.0.0.1:${port}`);
      }
    }
  });

  it('creates the table with its GSIs, PAY_PER_REQUEST billing and TTL', async () => {
    const table = provisioned.find('UsageTable');
    expect(table.name).toMatch(/^UsageTable-[a-z0-9]{6}$/);
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table.name }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual([
      'byDueDate',
      'byRegionMonth',
      'bySegment',
    ]);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table.name }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
  });

  it('resolves queues, DLQ redrive, exports and the Lambda environments', async () => {
    const queue = provisioned.find('IngestQueue', { type: 'AWS::SQS::Queue' });
    const dlq = provisioned.find('IngestDlq');
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.ref, AttributeNames: ['All'] }),
    );
    expect(Attributes?.VisibilityTimeout).toBe('2');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlq.attributes.Arn,
      maxReceiveCount: 3,
    });
    const dlqAttributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.ref, AttributeNames: ['MessageRetentionPeriod'] }),
    );
    expect(dlqAttributes.Attributes?.MessageRetentionPeriod).toBe('1209600');

    const bucket = provisioned.find('IngestBucket', { type: 'AWS::S3::Bucket' });
    expect(bucket.name).toMatch(/^ingestbucket-[a-z0-9]{6}$/);
    expect(provisioned.exports['KamFixtureStateful:ExportsOutputRefUsageTableAA114A7B']).toBe(provisioned.find('UsageTable').name);
    expect(provisioned.notificationRules.map((r) => r.prefix)).toEqual(['customers/', 'readings/', 'payments/', 'tariffs/']);

    const functions = resolveFunctionEnvironment(templates, provisioned);
    const ingest = functions.find((f) => f.logicalId === 'IngestReadings')!;
    const table = provisioned.find('UsageTable');
    expect(ingest.environment).toMatchObject({
      TABLE_NAME: table.name,
      TABLE_ARN: table.attributes.Arn,
      BUCKET_NAME: bucket.name,
      INGEST_QUEUE_URL: queue.ref,
      INGEST_DLQ_NAME: dlq.name,
      REJECTS_PREFIX: `s3://${bucket.name}/rejects/`,
      QUARANTINE_SHARE: '0.05',
      REGION_LABEL: `kam-${aws.region}-${provisioned.find('NoticeQueue').name}`,
    });
    expect(ingest.environment.ALARM_TOPIC_ARN).toMatch(/^arn:aws:sns:us-east-1:000000000000:AlarmTopic/);
    expect(ingest.eventSources).toEqual([
      expect.objectContaining({
        eventSourceArn: queue.attributes.Arn,
        queueUrl: queue.ref,
        batchSize: 5,
        functionResponseTypes: ['ReportBatchItemFailures'],
        enabled: true,
      }),
    ]);
    expect(ingest.cdkInternal).toBe(false);
    expect(functions.find((f) => f.logicalId.startsWith('BucketNotificationsHandler'))?.cdkInternal).toBe(true);
    const notices = resolveFunctionEnvironment(templates, provisioned, 'SendNotices');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.eventSources[0]).toMatchObject({
      queueUrl: provisioned.find('NoticeQueue').ref,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 1,
    });
  });

  it('supports put, get and transactions with condition checks on DynamoDB', async () => {
    const TableName = provisioned.find('UsageTable').name;
    await documents.send(new PutCommand({ TableName, Item: { pk: 'CUST#1', sk: 'PROFILE', name: '华东钢铁', ttl: 4102444800 } }));
    const got = await documents.send(new GetCommand({ TableName, Key: { pk: 'CUST#1', sk: 'PROFILE' } }));
    expect(got.Item?.name).toBe('华东钢铁');

    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { pk: 'CUST#1', sk: 'STMT#2026-01#v1' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName, Item: { pk: 'OUTBOX', sk: 'STMT#CUST#1#2026-01' }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    const again = documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: { pk: 'CUST#1', sk: 'STMT#2026-01#v1' },
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          { Put: { TableName, Item: { pk: 'OUTBOX', sk: 'other' } } },
        ],
      }),
    );
    await expect(again).rejects.toBeInstanceOf(TransactionCanceledException);
    const reasons = ((await again.catch((e: unknown) => e)) as TransactionCanceledException).CancellationReasons;
    expect(reasons?.[0]?.Code).toBe('ConditionalCheckFailed');
    expect(reasons?.[0]?.Item?.sk?.S).toBe('STMT#2026-01#v1');
    const other = await documents.send(new GetCommand({ TableName, Key: { pk: 'OUTBOX', sk: 'other' } }));
    expect(other.Item).toBeUndefined();
  });

  it('delivers one S3 event per matching upload, with the key URL-encoded like S3', async () => {
    const Bucket = provisioned.find('IngestBucket', { type: 'AWS::S3::Bucket' }).name;
    const QueueUrl = provisioned.find('IngestQueue', { type: 'AWS::SQS::Queue' }).ref;
    const key = 'readings/数据 2026.csv';
    const body = 'meter,ts,kwh\nM1,2026-01-01T00:15,1.5\n';
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'rejects/数据 2026.csv', Body: 'rejected' }));
    await provisioned.notifications.settled();

    const messages = [];
    for (;;) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      if (!r.Messages?.length) break;
      messages.push(...r.Messages);
      for (const m of r.Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
    expect(messages).toHaveLength(1);
    const event = JSON.parse(messages[0]!.Body!) as S3Event;
    expect(event.Records).toHaveLength(1);
    const [record] = event.Records;
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: Bucket, arn: `arn:aws:s3:::${Bucket}` }, object: { size: Buffer.byteLength(body) } },
    });
    expect(record!.s3.object.key).toBe('readings/%E6%95%B0%E6%8D%AE+2026.csv');
    expect(record!.s3.object.eTag).toBe(put.ETag!.replace(/"/g, ''));
    expect(record!.s3.object.sequencer).toMatch(/^[0-9A-F]{16,}$/);
    const decoded = decodeS3EventKey(record!.s3.object.key);
    expect(decoded).toBe(key);
    const object = await s3.send(new GetObjectCommand({ Bucket, Key: decoded }));
    expect(await object.Body!.transformToString()).toBe(body);
    expect(provisioned.notifications.errors).toEqual([]);
  });

  it('encodes event keys like S3 and round-trips them', () => {
    for (const key of ['a b+c/d', "x/(1)!'*~.csv", 'customers/客户 名单.csv', 'p=1&q=2/ü.csv']) {
      expect(decodeS3EventKey(encodeS3EventKey(key))).toBe(key);
    }
    expect(encodeS3EventKey('a b+c/(1).csv')).toBe('a+b%2Bc/%281%29.csv');
  });

  it('redelivers failed records and moves poison messages to the DLQ (ReportBatchItemFailures)', async () => {
    const queue = provisioned.find('IngestQueue', { type: 'AWS::SQS::Queue' });
    const dlq = provisioned.find('IngestDlq');
    for (const body of ['ok', 'flaky', 'poison']) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.ref, MessageBody: body }));
    }
    const seen: Record<string, number[]> = { ok: [], flaky: [], poison: [] };
    const batches: BatchOutcome[] = [];
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      expect(event.Records.length).toBeLessThanOrEqual(5);
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const record of event.Records) {
        expect(record.eventSourceARN).toBe(queue.attributes.Arn);
        expect(record.eventSource).toBe('aws:sqs');
        const count = Number(record.attributes.ApproximateReceiveCount);
        seen[record.body]!.push(count);
        if (record.body === 'poison' || (record.body === 'flaky' && count === 1)) {
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    };
    const controller = new AbortController();
    const polling = pollQueue({
      sqs,
      queueUrl: queue.ref,
      batchSize: 5,
      handler,
      onBatch: (b) => batches.push(b),
      signal: controller.signal,
      waitTimeSeconds: 1,
    });
    try {
      await drain({ sqs, queueUrls: [queue.ref], settle: () => provisioned.notifications.settled(), timeoutMs: 30_000 });
    } finally {
      controller.abort();
      await polling;
    }
    expect(seen.ok).toEqual([1]);
    expect(seen.flaky).toEqual([1, 2]);
    expect(seen.poison).toEqual([1, 2, 3]);
    expect(batches.flatMap((b) => b.failed)).toHaveLength(4);

    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.ref, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: dlq.ref, ReceiptHandle: dead.Messages![0]!.ReceiptHandle! }));
  });

  it('deletes nothing when the handler throws', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `throwing-${Date.now()}`, Attributes: { VisibilityTimeout: '1' } }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: QueueUrl!, MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: QueueUrl!, MessageBody: 'b' }));
    // let both be visible before the first receive so they arrive as one batch
    const counts: Record<string, number[]> = { a: [], b: [] };
    let invocations = 0;
    const controller = new AbortController();
    const polling = pollQueue({
      sqs,
      queueUrl: QueueUrl!,
      batchSize: 10,
      waitTimeSeconds: 1,
      signal: controller.signal,
      handler: (event) => {
        invocations++;
        for (const r of event.Records) counts[r.body]!.push(Number(r.attributes.ApproximateReceiveCount));
        if (invocations === 1) throw new Error('handler crashed');
      },
    });
    try {
      await drain({ sqs, queueUrls: [QueueUrl!], timeoutMs: 20_000 });
    } finally {
      controller.abort();
      await polling;
    }
    // every message of the failed invocation came back once more
    const firstBatch = [...counts.a.filter((c) => c === 1), ...counts.b.filter((c) => c === 1)].length;
    expect(firstBatch).toBeGreaterThan(0);
    expect(Math.max(...counts.a, ...counts.b)).toBe(2);
    for (const c of Object.values(counts)) expect(c.at(-1)).toBe(c.length);
  });

  it('records mail sent through the SES v2 API', async () => {
    await aws.clearSentMail();
    const res = await fetch(`${aws.endpoints.ses}/v2/email/outbound-emails`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `AWS4-HMAC-SHA256 Credential=${aws.credentials.accessKeyId}/20260101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({
        FromEmailAddress: 'statements@example.com',
        Destination: { ToAddresses: ['manager@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: '2026年1月电费账单' },
            Body: { Text: { Data: '应付金额 ¥12,345.67' }, Html: { Data: '<p>应付金额 ¥12,345.67</p>' } },
          },
        },
      }),
    });
    expect(res.status).toBe(200);
    const { MessageId } = (await res.json()) as { MessageId: string };
    const store = await aws.readSentMail();
    expect(store.emails).toHaveLength(1);
    expect(store.emails[0]).toMatchObject({
      messageId: MessageId,
      from: 'statements@example.com',
      subject: '2026年1月电费账单',
      destination: { to: ['manager@example.com'] },
      body: { text: '应付金额 ¥12,345.67' },
    });
  });

  it('names the intrinsic and the place when a template uses one the local stack does not support', async () => {
    const template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Environment: { Variables: { MODE: { 'Fn::If': ['IsProd', 'prod', 'dev'] } } },
          },
        },
      },
    };
    const local = await provisionFromTemplates([template], aws);
    expect(() => resolveFunctionEnvironment([template], local)).toThrow(
      /Unsupported intrinsic function Fn::If at Stack0\.Resources\.Fn\.Properties\.Environment\.Variables\.MODE/,
    );
    await local.notifications.stop();
  });

  it('kills DynamoDB Local when its parent process dies without stopping it', async () => {
    const script = `
      import { startLocalAws } from ${JSON.stringify(serversModule)};
      const aws = await startLocalAws();
      console.log(JSON.stringify({ pid: aws.pids.dynamodb, dataDir: aws.dataDir }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env },
    });
    const info = await new Promise<{ pid: number; dataDir: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line) as { pid: number; dataDir: string });
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    expect(processAlive(info.pid)).toBe(true);
    child.kill('SIGKILL');
    await waitFor(() => !processAlive(info.pid), 10_000, 'the orphaned JVM to exit');
    rmSync(info.dataDir, { recursive: true, force: true });
  });

  it('stop() shuts every server down and leaves no java process', async () => {
    const pid = aws.pids.dynamodb;
    const ports = Object.values(aws.endpoints).map(portOf);
    expect(processAlive(pid)).toBe(true);
    await aws.stop();
    expect(processAlive(pid)).toBe(false);
    const stillListening = listeningSockets().filter((s) => ports.includes(s.port));
    expect(stillListening).toEqual([]);
    await aws.stop(); // idempotent
  });
});
