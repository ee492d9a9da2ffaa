import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CopyObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { DeleteMessageBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { authorizationRequests, serviceOf, type HttpRequestInfo, type ResourceNaming } from '../../../../local/iam/requests.ts';

const TABLE = 'arn:aws:dynamodb:ddblocal:000000000000:table/UsageTable-x';
const naming: ResourceNaming = {
  region: 'us-east-1',
  accountId: '000000000000',
  tables: new Map([['UsageTable-x', { arn: TABLE, hashKey: 'pk', indexes: new Map([['bySegment', 'gsi1pk']]) }]]),
  queues: new Map([['NoticeQueue-x', 'arn:aws:sqs:us-east-1:000000000000:NoticeQueue-x']]),
};

/** The HTTP request a real SDK client would send for a command, captured before it leaves. */
async function captured(client: { send: (c: never) => Promise<unknown> }, command: unknown): Promise<HttpRequestInfo> {
  try {
    await client.send(command as never);
  } catch (err) {
    const req = (err as { captured?: { method: string; path: string; query?: Record<string, string | null>; headers: Record<string, string>; body?: unknown } }).captured;
    if (!req) throw err;
    const query = new URLSearchParams(Object.entries(req.query ?? {}).map(([k, v]): [string, string] => [k, v ?? ''])).toString();
    const body = typeof req.body === 'string' || req.body instanceof Uint8Array ? Buffer.from(req.body as string) : undefined;
    return {
      method: req.method,
      url: req.path + (query ? `?${query}` : ''),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v])),
      ...(body ? { body } : {}),
    };
  }
  throw new Error('the command was not captured');
}
const capture = {
  handle: async (request: unknown) => {
    throw Object.assign(new Error('captured'), { captured: request });
  },
};
const config = { region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestHandler: capture, maxAttempts: 1 };
const doc = DynamoDBDocumentClient.from(new DynamoDBClient(config));
const s3 = new S3Client({ ...config, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
const ses = new SESClient(config);

async function checks(client: { send: (c: never) => Promise<unknown> }, command: unknown) {
  const req = await captured(client, command);
  return authorizationRequests(serviceOf(req)!, req, naming);
}

describe('authorization requests read from real SDK requests', () => {
  it('DynamoDB GetItem / UpdateItem: the table, with the partition key as dynamodb:LeadingKeys', async () => {
    expect(await checks(doc, new GetCommand({ TableName: 'UsageTable-x', Key: { pk: 'CUST#1', sk: 'PROFILE' } }))).toEqual([
      { action: 'dynamodb:GetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['CUST#1'] } },
    ]);
    expect(await checks(doc, new UpdateCommand({ TableName: 'UsageTable-x', Key: { pk: 'DIGEST#m', sk: 'W' }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 } }))).toEqual([
      { action: 'dynamodb:UpdateItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['DIGEST#m'] } },
    ]);
  });

  it('DynamoDB Query on an index: the index ARN, with the index partition key from the key condition', async () => {
    const q = new QueryCommand({
      TableName: 'UsageTable-x',
      IndexName: 'bySegment',
      KeyConditionExpression: '#p = :p AND begins_with(gsi1sk, :s)',
      ExpressionAttributeNames: { '#p': 'gsi1pk' },
      ExpressionAttributeValues: { ':p': 'SEGMENT', ':s': 'A#' },
    });
    expect(await checks(doc, q)).toEqual([{ action: 'dynamodb:Query', resource: `${TABLE}/index/bySegment`, context: { 'dynamodb:LeadingKeys': ['SEGMENT'] } }]);
  });

  it('DynamoDB BatchWriteItem and TransactWriteItems: every written partition key; a transaction item by item', async () => {
    const batch = new BatchWriteCommand({ RequestItems: { 'UsageTable-x': [{ PutRequest: { Item: { pk: 'CUST#1', sk: 'DAY#1' } } }, { DeleteRequest: { Key: { pk: 'CUST#2', sk: 'DAY#1' } } }] } });
    expect(await checks(doc, batch)).toEqual([{ action: 'dynamodb:BatchWriteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['CUST#1', 'CUST#2'] } }]);
    const tx = new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: 'UsageTable-x', Item: { pk: 'PAY#r', sk: 'X' } } },
        { ConditionCheck: { TableName: 'UsageTable-x', Key: { pk: 'CUST#1', sk: 'PROFILE' }, ConditionExpression: 'attribute_exists(pk)' } },
      ],
    });
    expect((await checks(doc, tx)).map((r) => [r.action, r.context?.['dynamodb:LeadingKeys']])).toEqual([
      ['dynamodb:PutItem', ['PAY#r']],
      ['dynamodb:ConditionCheckItem', ['CUST#1']],
    ]);
  });

  it('S3: object ARNs with decoded keys (multibyte, spaces), versions, copies and listings with s3:prefix', async () => {
    expect(await checks(s3, new GetObjectCommand({ Bucket: 'b', Key: 'readings/华东 区.csv' }))).toEqual([{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/readings/华东 区.csv' }]);
    expect(await checks(s3, new GetObjectCommand({ Bucket: 'b', Key: 'readings/a.csv', VersionId: 'v1' }))).toEqual([{ action: 's3:GetObjectVersion', resource: 'arn:aws:s3:::b/readings/a.csv' }]);
    expect(await checks(s3, new PutObjectCommand({ Bucket: 'b', Key: 'rejects/a.csv', Body: 'x' }))).toEqual([{ action: 's3:PutObject', resource: 'arn:aws:s3:::b/rejects/a.csv' }]);
    expect(await checks(s3, new CopyObjectCommand({ Bucket: 'b', Key: 'archive/a.csv', CopySource: 'b/readings/a.csv' }))).toEqual([
      { action: 's3:PutObject', resource: 'arn:aws:s3:::b/archive/a.csv' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::b/readings/a.csv' },
    ]);
    expect(await checks(s3, new ListObjectsV2Command({ Bucket: 'b', Prefix: 'readings/' }))).toEqual([{ action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'readings/' } }]);
  });

  it('SQS: batch calls are authorized as their single action on the queue ARN', async () => {
    const url = 'http://127.0.0.1:9/000000000000/NoticeQueue-x';
    expect(await checks(sqs, new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: '1', MessageBody: '{}' }] }))).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:NoticeQueue-x' },
    ]);
    expect(await checks(sqs, new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: '1', ReceiptHandle: 'r' }] }))).toEqual([
      { action: 'sqs:DeleteMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:NoticeQueue-x' },
    ]);
  });

  it('SES SendRawEmail: the From identity and the configuration set, with ses:FromAddress', async () => {
    const raw = Buffer.from('From: "Statements" <statements@example.com>\r\nTo: a@b.c\r\nSubject: x\r\n\r\nhello');
    const send = new SendRawEmailCommand({ RawMessage: { Data: raw }, Source: 'statements@example.com', ConfigurationSetName: 'Cfg-x' });
    const context = { 'ses:FromAddress': 'statements@example.com' };
    expect(await checks(ses, send)).toEqual([
      { action: 'ses:SendRawEmail', resource: 'arn:aws:ses:us-east-1:000000000000:identity/example.com', context },
      { action: 'ses:SendRawEmail', resource: 'arn:aws:ses:us-east-1:000000000000:configuration-set/Cfg-x', context },
    ]);
    // Without Source, SES takes the From header of the raw message.
    expect((await checks(ses, new SendRawEmailCommand({ RawMessage: { Data: raw } })))[0]!.context).toEqual(context);
  });
});
