import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
  type CloudFormationServiceException,
} from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloudFormation, stacksFromProvisioned, type LocalCloudFormation } from '../../../local/cloudformation.ts';
import type { NamedTemplate } from '../../../local/provision.ts';

const TRICKY = `a&b<c>"d'e 数据 ]]>`;

let cfn: LocalCloudFormation;
let client: CloudFormationClient;

beforeAll(async () => {
  cfn = await startLocalCloudFormation({
    stacks: [
      {
        stackName: 'KamStateful',
        description: 'data & queues',
        outputs: [
          { OutputKey: 'UsageTableName', OutputValue: 'UsageTable-abc123' },
          { OutputKey: 'IngestBucketName', OutputValue: 'ingestbucket-abc123', Description: 'Upload <files> here & wait' },
          { OutputKey: 'Tricky', OutputValue: TRICKY, ExportName: 'Kam:Tricky' },
        ],
      },
      { stackName: 'KamStateless', outputs: [{ OutputKey: 'IngestReadingsFunctionName', OutputValue: 'IngestReadings-abc123' }] },
    ],
  });
  // The SDK's real client (awsQuery protocol, XML parser, error mapping) with an explicit endpoint.
  client = new CloudFormationClient({ endpoint: cfn.url, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
});

afterAll(async () => {
  client?.destroy();
  await cfn?.stop();
});

describe('local CloudFormation: DescribeStacks through @aws-sdk/client-cloudformation', () => {
  it('listens on 127.0.0.1', () => {
    expect(cfn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('describes one stack by name: id, status, creation time and outputs', async () => {
    const res = await client.send(new DescribeStacksCommand({ StackName: 'KamStateful' }));
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.Stacks).toHaveLength(1);
    const stack = res.Stacks![0]!;
    expect(stack).toMatchObject({ StackName: 'KamStateful', StackStatus: 'CREATE_COMPLETE', Description: 'data & queues', DisableRollback: false });
    expect(stack.StackId).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/KamStateful\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(stack.CreationTime).toBeInstanceOf(Date);
    expect(Math.abs(Date.now() - stack.CreationTime!.getTime())).toBeLessThan(60_000);
    expect(stack.Outputs).toEqual([
      { OutputKey: 'UsageTableName', OutputValue: 'UsageTable-abc123' },
      { OutputKey: 'IngestBucketName', OutputValue: 'ingestbucket-abc123', Description: 'Upload <files> here & wait' },
      { OutputKey: 'Tricky', OutputValue: TRICKY, ExportName: 'Kam:Tricky' },
    ]);
  });

  it('finds a stack by its stack id too, as CloudFormation does', async () => {
    const id = cfn.stacks.find((s) => s.stackName === 'KamStateless')!.stackId;
    const res = await client.send(new DescribeStacksCommand({ StackName: id }));
    expect(res.Stacks?.map((s) => s.StackName)).toEqual(['KamStateless']);
  });

  it('describes every stack without StackName', async () => {
    const res = await client.send(new DescribeStacksCommand({}));
    expect(res.Stacks?.map((s) => [s.StackName, s.Outputs?.length])).toEqual([
      ['KamStateful', 3],
      ['KamStateless', 1],
    ]);
  });

  it('escapes XML: an output value with &, <, >, quotes, non-ASCII and "]]>" arrives unchanged', async () => {
    const raw = await (await fetch(cfn.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeStacks&Version=2010-05-15&StackName=KamStateful' })).text();
    expect(raw).toContain('<OutputValue>a&amp;b&lt;c&gt;&quot;d&apos;e 数据 ]]&gt;</OutputValue>');
    expect(raw).not.toContain('a&b');
    const res = await client.send(new DescribeStacksCommand({ StackName: 'KamStateful' }));
    expect(res.Stacks![0]!.Outputs!.find((o) => o.OutputKey === 'Tricky')?.OutputValue).toBe(TRICKY);
  });

  it('answers an unknown stack with the real ValidationError, HTTP 400', async () => {
    const err = (await client.send(new DescribeStacksCommand({ StackName: 'NopeStateful' })).catch((e: unknown) => e)) as CloudFormationServiceException;
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe('Stack with id NopeStateful does not exist');
    expect(err.$fault).toBe('client');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('answers any other action with InvalidAction, HTTP 400', async () => {
    const err = (await client.send(new ListStacksCommand({})).catch((e: unknown) => e)) as CloudFormationServiceException;
    expect(err.name).toBe('InvalidAction');
    expect(err.message).toMatch(/ListStacks is not supported by the local CloudFormation emulator/);
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});

describe('stacksFromProvisioned', () => {
  it('reports each template with its resolved outputs, descriptions and export names, skipping unresolved outputs', () => {
    const stacks: NamedTemplate[] = [
      {
        stackName: 'KamStateful',
        template: {
          Description: 'stateful',
          Resources: {},
          Outputs: {
            UsageTableName: { Value: { Ref: 'UsageTable' } },
            IngestBucketName: { Value: { Ref: 'IngestBucket' }, Description: 'Upload here', Export: { Name: 'Kam:Bucket' } },
            Unresolvable: { Value: { 'Fn::GetAtt': ['Something', 'Arn'] } },
          },
        },
      },
      { stackName: 'KamStateless', template: { Resources: {} } },
    ];
    const result = stacksFromProvisioned({
      stacks,
      outputs: { KamStateful: { UsageTableName: 'UsageTable-x', IngestBucketName: 'ingestbucket-x' }, KamStateless: {} },
      resolve: (value) => value,
    });
    expect(result).toEqual([
      {
        stackName: 'KamStateful',
        description: 'stateful',
        outputs: [
          { OutputKey: 'UsageTableName', OutputValue: 'UsageTable-x' },
          { OutputKey: 'IngestBucketName', OutputValue: 'ingestbucket-x', Description: 'Upload here', ExportName: 'Kam:Bucket' },
        ],
      },
      { stackName: 'KamStateless', outputs: [] },
    ]);
  });
});
