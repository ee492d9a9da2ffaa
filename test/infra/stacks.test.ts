import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../contracts/settings.ts';
import { buildApp, type KamApp } from '../../infra/build-app.ts';
import { readAppConfig } from '../../infra/config.ts';
import { type Json, list, resourcesFor as allowedResources, resourcesOfType, type Statement, synthesized } from './template-helpers.ts';

let built: KamApp;
let outdir: string;
let assemblyDir: string;
let statefulJson: Json;
let statelessJson: Json;
let render: (value: unknown) => string;
let statementsOf: (logicalId: string) => Statement[];

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'kam-cdk-'));
  built = buildApp({ outdir });
  // Throws if cdk-nag reports any error that is not acknowledged.
  assemblyDir = built.app.synth().directory;
  ({ statefulJson, statelessJson, render, statementsOf } = synthesized(built));
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const ingestStatements = (): Statement[] => statementsOf('IngestReadings');
const resourcesFor = (statements: Statement[], action: string): string[] => allowedResources(render, statements, action);

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const found: { path: string; id: string; reason: string }[] = [];
  const visit = (construct: IConstruct): void => {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
    construct.node.children.forEach(visit);
  };
  visit(root);
  return found;
}

/** Every AwsSolutions finding, acknowledged or not. */
function rawFindings(root: IConstruct): { path: string; id: string }[] {
  const pack = new AwsSolutionsChecks();
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack.validateScope(root).violations.flatMap((v) => v.violatingResources.map((r) => ({ path: r.constructPath!, id: v.ruleName })));
}

describe('cdk-nag (AwsSolutions)', () => {
  it('leaves nothing in the validation report: no errors, no warnings, from any plugin', () => {
    const report = JSON.parse(readFileSync(join(assemblyDir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it('has no AwsSolutions annotation on either stack', () => {
    for (const stack of [built.stateful, built.stateless] as Stack[]) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
      expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    }
  });

  it('acknowledges each finding exactly, on the resource that has it, with a reason, and nothing more', () => {
    const findings = rawFindings(built.app);
    const acks = acknowledgements(built.app);
    for (const finding of findings) {
      const ack = acks.find((a) => a.id === finding.id && (finding.path === a.path || finding.path.startsWith(`${a.path}/`)));
      expect(ack, `unacknowledged ${finding.id} at ${finding.path}`).toBeDefined();
    }
    for (const ack of acks) {
      expect(ack.reason.length, `reason for ${ack.id}`).toBeGreaterThan(30);
      const used = findings.some((f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect(used, `stale acknowledgement ${ack.id} at ${ack.path}`).toBe(true);
    }
    // The acknowledged set, with cross-stack ARNs reduced to the attribute they name.
    const readable = acks
      .map((a) => `${a.path.replace(/BucketNotificationsHandler\w+/, 'BucketNotificationsHandler').replace(/CDKBucketDeployment\w+/, 'CDKBucketDeployment')} ${a.id.replace(/ConsoleSiteAssets\w{8}/, 'ConsoleSiteAssets').replace(/\{"Fn::GetStackOutput".*?"OutputName":"PublishOutputFnGetAtt(\w+?)Arn\w{8}"\}\}/, '<$1.Arn>')}`)
      .sort();
    expect(readable).toEqual([
      'KamStateful/BucketNotificationsHandler/Role/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'KamStateful/ClassifyDlq/Resource AwsSolutions-SQS3',
      'KamStateful/ConsoleUserPool/Resource AwsSolutions-COG2',
      'KamStateful/ConsoleUserPool/Resource AwsSolutions-COG8',
      'KamStateful/RunStatementsDlq/Resource AwsSolutions-SQS3',
      'KamStateful/ScanArrearsDlq/Resource AwsSolutions-SQS3',
      'KamStateful/SendDigestDlq/Resource AwsSolutions-SQS3',
      'KamStateful/SesFeedbackDlq/Resource AwsSolutions-SQS3',
      'KamStateless/ClassifyPopulation/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'KamStateless/ConsoleApi/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      // The console site (issue 10): no geo restriction, WAF and TLS 1.2 by context, and CDK's own BucketDeployment provider.
      'KamStateless/ConsoleSite/Distribution/Resource AwsSolutions-CFR1',
      'KamStateless/ConsoleSite/Distribution/Resource AwsSolutions-CFR2',
      'KamStateless/ConsoleSite/Distribution/Resource AwsSolutions-CFR4',
      'KamStateless/Custom::CDKBucketDeployment/Resource AwsSolutions-L1',
      'KamStateless/Custom::CDKBucketDeployment/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::s3:Abort*]',
      'KamStateless/Custom::CDKBucketDeployment/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      'KamStateless/Custom::CDKBucketDeployment/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'KamStateless/Custom::CDKBucketDeployment/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::s3:GetObject*]',
      'KamStateless/Custom::CDKBucketDeployment/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Action::s3:List*]',
      'KamStateless/Custom::CDKBucketDeployment/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
      'KamStateless/Custom::CDKBucketDeployment/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::<ConsoleSiteAssets.Arn>/*]',
      'KamStateless/Custom::CDKBucketDeployment/ServiceRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      'KamStateless/Custom::CDKBucketDeployment/ServiceRole/Resource AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'KamStateless/IngestChunks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'KamStateless/IngestChunks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/customers/*]',
      'KamStateless/IngestChunks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/payments/*]',
      'KamStateless/IngestChunks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/readings/*]',
      'KamStateless/IngestChunks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/rejects/*]',
      // staging/ is read (its own staged work) and written: one acknowledgement on each statement.
      'KamStateless/IngestChunks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/staging/*]',
      'KamStateless/IngestChunks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/staging/*]',
      'KamStateless/IngestChunks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/tariffs/*]',
      'KamStateless/IngestReadings/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'KamStateless/IngestReadings/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/customers/*]',
      'KamStateless/IngestReadings/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/payments/*]',
      'KamStateless/IngestReadings/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/readings/*]',
      'KamStateless/IngestReadings/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/rejects/*]',
      'KamStateless/IngestReadings/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/staging/*]',
      'KamStateless/IngestReadings/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IngestBucket.Arn>/tariffs/*]',
      'KamStateless/RunStatements/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'KamStateless/ScanArrears/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'KamStateless/SendAlert/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'KamStateless/SendDigest/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'KamStateless/SendNotice/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'KamStateless/SendStatement/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'KamStateless/SesFeedback/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
    ]);
  });
});

describe('stateful stack', () => {
  it('keeps the ingest bucket encrypted, SSL-only, private, versioned, logged and retained', () => {
    const bucket = statefulJson.Resources.IngestBucket;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(/^(AES256|aws:kms)$/);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: 'AccessLogBucket' });
  });

  it('keeps the access-log bucket encrypted, SSL-only, private and retained', () => {
    const logs = statefulJson.Resources.AccessLogBucket;
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(logs.Properties.BucketEncryption).toBeDefined();
    expect(Object.values(logs.Properties.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
  });

  it.each(['IngestBucket', 'AccessLogBucket'])('denies non-TLS requests to %s', (bucketId) => {
    const [, policy] = resourcesOfType(statefulJson, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === bucketId)!;
    const deny = (policy.Properties.PolicyDocument.Statement as Json[]).find((s) => s.Effect === 'Deny');
    expect(deny).toMatchObject({ Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(list(deny!.Resource).map(render).sort()).toEqual([`<${bucketId}.Arn>`, `<${bucketId}.Arn>/*`]);
  });

  it('defines the single table with PITR, encryption, TTL, RETAIN and the three GSIs', () => {
    const table = statefulJson.Resources.UsageTable;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    const indexes = Object.fromEntries(
      (table.Properties.GlobalSecondaryIndexes as Json[]).map((gsi) => [
        gsi.IndexName,
        [...(gsi.KeySchema as Json[]).map((k) => `${k.KeyType}:${k.AttributeName}`), gsi.Projection.ProjectionType],
      ]),
    );
    expect(indexes).toEqual({
      bySegment: ['HASH:gsi1pk', 'RANGE:gsi1sk', 'ALL'],
      byDueDate: ['HASH:gsi2pk', 'RANGE:gsi2sk', 'ALL'],
      byRegionMonth: ['HASH:gsi3pk', 'RANGE:gsi3sk', 'ALL'],
    });
  });

  it('redrives the ingest queue to an encrypted, SSL-only DLQ after 5 receives', () => {
    const queue = statefulJson.Resources.IngestQueue.Properties;
    const dlq = statefulJson.Resources.IngestDlq.Properties;
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['IngestDlq', 'Arn'] }, maxReceiveCount: 5 });
    expect(queue.SqsManagedSseEnabled ?? queue.KmsMasterKeyId).toBeTruthy();
    expect(dlq.SqsManagedSseEnabled ?? dlq.KmsMasterKeyId).toBeTruthy();
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    for (const queueId of ['IngestQueue', 'IngestDlq']) {
      const [, policy] = resourcesOfType(statefulJson, 'AWS::SQS::QueuePolicy').find(([, p]) => p.Properties.Queues[0].Ref === queueId)!;
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('sends ObjectCreated events to the ingest queue for the four upload prefixes only (never rejects/)', () => {
    const [[, notifications]] = resourcesOfType(statefulJson, 'Custom::S3BucketNotifications') as [[string, Json]];
    expect(notifications.Properties.BucketName).toEqual({ Ref: 'IngestBucket' });
    const config = notifications.Properties.NotificationConfiguration;
    expect(Object.keys(config)).toEqual(['QueueConfigurations']);
    const routes = (config.QueueConfigurations as Json[]).map((q) => ({
      events: q.Events,
      prefix: (q.Filter.Key.FilterRules as Json[]).map((r) => `${r.Name}=${r.Value}`).join(','),
      queue: render(q.QueueArn),
    }));
    expect(routes.map((r) => r.prefix).sort()).toEqual(['prefix=customers/', 'prefix=payments/', 'prefix=readings/', 'prefix=tariffs/']);
    for (const route of routes) expect(route).toMatchObject({ events: ['s3:ObjectCreated:*'], queue: '<IngestQueue.Arn>' });
  });

  it('lets only S3, from the ingest bucket, send to the ingest queue', () => {
    const [, policy] = resourcesOfType(statefulJson, 'AWS::SQS::QueuePolicy').find(([, p]) => p.Properties.Queues[0].Ref === 'IngestQueue')!;
    const allow = (policy.Properties.PolicyDocument.Statement as Json[]).filter((s) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({ Principal: { Service: 's3.amazonaws.com' }, Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': ['IngestBucket', 'Arn'] } } } });
  });

  it('outputs the names the CLI looks up', () => {
    const outputs = statefulJson.Outputs;
    expect(outputs.IngestBucketName.Value).toEqual({ Ref: 'IngestBucket' });
    expect(outputs.UsageTableName.Value).toEqual({ Ref: 'UsageTable' });
    expect(outputs.IngestQueueUrl.Value).toEqual({ Ref: 'IngestQueue' });
    expect(outputs.IngestDlqUrl.Value).toEqual({ Ref: 'IngestDlq' });
  });
});

describe('both stacks', () => {
  const NAME_PROPERTIES: Record<string, string> = {
    'AWS::S3::Bucket': 'BucketName',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::SQS::Queue': 'QueueName',
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::SNS::Topic': 'TopicName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::CloudWatch::Alarm': 'AlarmName',
    'AWS::KMS::Alias': 'AliasName',
    'AWS::Scheduler::Schedule': 'Name',
    'AWS::SES::ConfigurationSet': 'Name',
    'AWS::CloudWatch::Dashboard': 'DashboardName',
  };

  it('gives no resource a physical name, so two copies can share an account', () => {
    for (const template of [statefulJson, statelessJson]) {
      for (const [id, resource] of Object.entries(template.Resources as Record<string, Json>)) {
        const nameProperty = NAME_PROPERTIES[resource.Type];
        if (nameProperty) expect(resource.Properties?.[nameProperty], `${id}.${nameProperty}`).toBeUndefined();
        if (resource.Type === 'AWS::SES::ConfigurationSetEventDestination') expect(resource.Properties.EventDestination.Name, id).toBeUndefined();
      }
    }
  });

  it('uses stable, meaningful logical ids for the stateful resources and the ingest function', () => {
    expect(Object.keys(statefulJson.Resources)).toEqual(
      expect.arrayContaining([
        'IngestBucket',
        'AccessLogBucket',
        'UsageTable',
        'IngestQueue',
        'IngestDlq',
        'StatementQueue',
        'StatementDlq',
        'AlertQueue',
        'AlertDlq',
        'RunStatementsDlq',
        'SesFeedbackDlq',
        'NoticeQueue',
        'NoticeDlq',
        'ScanArrearsDlq',
        'SendDigestDlq',
        'ClassifyDlq',
      ]),
    );
    for (const fn of ['IngestReadings', 'RunStatements', 'SendStatement', 'SendAlert', 'SesFeedback', 'ScanArrears', 'SendNotice', 'SendDigest', 'ClassifyPopulation']) {
      expect(statelessJson.Resources[fn]?.Type, fn).toBe('AWS::Lambda::Function');
    }
  });

  it('synthesizes a second copy under another prefix, nag-clean, without bundling', () => {
    const copy = buildApp({ outdir: join(outdir, 'copy'), context: { 'aws:cdk:bundling-stacks': [] }, config: { stackPrefix: 'KamCopy', alarmEmail: 'ops@example.com' } });
    expect(() => copy.app.synth()).not.toThrow();
    expect([copy.stateful.stackName, copy.stateless.stackName]).toEqual(['KamCopyStateful', 'KamCopyStateless']);
    Template.fromStack(copy.stateless).hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('ingest function (IngestReadings)', () => {
  it('runs Node 24 on ARM64 with active tracing, 1024 MB, 5 minutes, JSON logs', () => {
    const fn = statelessJson.Resources.IngestReadings.Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 1024,
      Timeout: 300,
      Handler: 'index.handler',
      LoggingConfig: { LogFormat: 'JSON' },
    });
    const logGroupId = fn.LoggingConfig.LogGroup.Ref;
    expect(statelessJson.Resources[logGroupId].Properties.RetentionInDays).toBe(365);
  });

  it('gets its configuration and the stateful resource names through environment variables', () => {
    const env = statelessJson.Resources.IngestReadings.Properties.Environment.Variables;
    expect(render(env.TABLE_NAME)).toBe('<UsageTable>');
    expect(render(env.BUCKET_NAME)).toBe('<IngestBucket>');
    expect(env).toMatchObject({
      TIME_ZONE: 'Asia/Shanghai',
      QUARANTINE_SHARE: '0.05',
      NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=16',
      POWERTOOLS_SERVICE_NAME: 'KeyAccounts',
      POWERTOOLS_METRICS_NAMESPACE: 'KeyAccounts',
    });
  });

  it('is bundled locally as minified ESM with a source map and a require shim', () => {
    const manifest = JSON.parse(readFileSync(join(assemblyDir, `${built.stateless.artifactId}.assets.json`), 'utf8')) as Json;
    const key = statelessJson.Resources.IngestReadings.Properties.Code.S3Key as string;
    const asset = (manifest.files as Record<string, Json>)[key.replace(/\.zip$/, '')];
    expect(asset?.source.packaging).toBe('zip');
    const dir = join(assemblyDir, asset!.source.path);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    const banner = "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";
    const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith(banner), 'bundle starts with the require shim').toBe(true);
    // Minified: the first line after the banner is long, not indented source.
    expect(bundle.split('\n')[1]!.length).toBeGreaterThan(1000);
  });

  it('consumes the ingest queue in batches of 5, reporting partial batch failures', () => {
    const mappings = resourcesOfType(statelessJson, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties.FunctionName.Ref === 'IngestReadings');
    expect(mappings).toHaveLength(1);
    const [[, mapping]] = mappings as [[string, Json]];
    expect(mapping.Properties).toMatchObject({ BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures'], FunctionName: { Ref: 'IngestReadings' } });
    expect(render(mapping.Properties.EventSourceArn)).toBe('<IngestQueue.Arn>');
  });

  it('visibility timeout of the ingest queue is at least 6x the function timeout', () => {
    const timeout = statelessJson.Resources.IngestReadings.Properties.Timeout as number;
    expect(statefulJson.Resources.IngestQueue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('has a role with no managed policies', () => {
    const roleId = statelessJson.Resources.IngestReadings.Properties.Role['Fn::GetAtt'][0];
    expect(statelessJson.Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('can read the upload prefixes, write only under rejects/ and staging/, and never delete objects or send mail', () => {
    const statements = ingestStatements();
    const actions = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action));
    expect(actions.filter((a) => /^s3:(Delete|\*)|^s3:.*\*|^ses:|^sesv2:|^\*$/i.test(a))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']);
    expect(resourcesFor(statements, 's3:PutObject')).toEqual(['<IngestBucket.Arn>/rejects/*', '<IngestBucket.Arn>/staging/*']);
    expect(resourcesFor(statements, 's3:GetObjectVersion')).toEqual(resourcesFor(statements, 's3:GetObject'));
    expect(resourcesFor(statements, 's3:GetObject')).toEqual([
      '<IngestBucket.Arn>/customers/*',
      '<IngestBucket.Arn>/payments/*',
      '<IngestBucket.Arn>/readings/*',
      '<IngestBucket.Arn>/tariffs/*',
    ]);
  });

  it('reads and writes table items, queries only the customer index (no index wildcard), consumes its queue, writes its own log group', () => {
    const statements = ingestStatements();
    // Items only (each grant limited by dynamodb:LeadingKeys; see grants.test.ts), never an index.
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']) {
      expect([...new Set(resourcesFor(statements, action))], action).toEqual(['<UsageTable.Arn>']);
    }
    // Query also reaches the customer index (bySegment), the only index ingest reads.
    expect(resourcesFor(statements, 'dynamodb:Query')).toEqual(['<UsageTable.Arn>', '<UsageTable.Arn>/index/bySegment']);
    expect(statements.flatMap((s) => list(s.Resource).map(render)).filter((arn) => arn.includes('/index/'))).toEqual(['<UsageTable.Arn>/index/bySegment']);
    expect(resourcesFor(statements, 'sqs:ReceiveMessage')).toEqual(['<IngestQueue.Arn>']);
    expect(resourcesFor(statements, 'sqs:DeleteMessage')).toEqual(['<IngestQueue.Arn>']);
    const logGroupId = statelessJson.Resources.IngestReadings.Properties.LoggingConfig.LogGroup.Ref;
    expect(resourcesFor(statements, 'logs:PutLogEvents')).toEqual([`<${logGroupId}.Arn>`]);
    // The only unscoped statement is X-Ray's, which has no resource-level permissions.
    const unscoped = statements.filter((s) => list(s.Resource).includes('*'));
    expect(unscoped.flatMap((s) => list(s.Action)).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});

describe('alarms', () => {
  it('alarms to an encrypted topic as soon as one message reaches the ingest DLQ', () => {
    const alarms = resourcesOfType(statelessJson, 'AWS::CloudWatch::Alarm').filter(([, a]) => render(a.Properties.Dimensions?.[0]?.Value) === '<IngestDlq.QueueName>');
    expect(alarms).toHaveLength(1);
    const [[, alarm]] = alarms as [[string, Json]];
    expect(alarm.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
    expect(render(alarm.Properties.Dimensions[0].Value)).toBe('<IngestDlq.QueueName>');
    const topicId = alarm.Properties.AlarmActions[0].Ref;
    expect(statelessJson.Resources[topicId].Properties.KmsMasterKeyId).toBeDefined();
  });

  it('subscribes no address unless alarmEmail is configured', () => {
    // The SES feedback topic's Lambda subscription is the only one.
    const subscriptions = resourcesOfType(statelessJson, 'AWS::SNS::Subscription').map(([, sub]) => sub.Properties.Protocol);
    expect(subscriptions).toEqual(['lambda']);
  });
});

describe('configuration', () => {
  it('cdk.json repeats the defaults of contracts/settings.ts, never different ones', () => {
    const context = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json }).context;
    const repeated = Object.entries(DEFAULTS).filter(([key]) => key in context);
    expect(repeated.length).toBeGreaterThan(10);
    for (const [key, value] of repeated) expect(context[key], key).toEqual(value);
  });

  it('rejects an unknown time zone, a bad quarantine share and a malformed email', () => {
    const app = new App();
    expect(() => readAppConfig(app, { timeZone: 'Mars/Olympus_Mons' })).toThrow(/time zone/);
    expect(() => readAppConfig(app, { quarantineShare: 1.5 })).toThrow(/quarantineShare/);
    expect(() => readAppConfig(app, { alarmEmail: 'not-an-address' })).toThrow(/alarmEmail/);
    expect(readAppConfig(app)).toEqual({
      stackPrefix: 'Kam',
      timeZone: 'Asia/Shanghai',
      quarantineShare: 0.05,
      sesFromAddress: 'statements@example.com',
      sesIdentity: 'example.com',
      createSesIdentity: false,
      statementSchedule: 'cron(0 6 2 * ? *)',
      statementTimeZone: 'Asia/Shanghai',
      maxSendRate: 10,
      statementConcurrency: 5,
      dueDays: 15,
      alertDemandShare: 0.95,
      alertBillIncrease: 0.2,
      arrearsSchedule: 'cron(0 9 * * ? *)',
      arrearsTimeZone: 'Asia/Shanghai',
      noticeConcurrency: 2,
      digestSchedule: 'cron(0 8 ? * MON *)',
      classifySchedule: 'cron(0/5 * * * ? *)',
      consoleCallbackUrls: ['http://127.0.0.1:8787/'],
      consolePasswordAuth: false,
      consoleAdvancedSecurity: false,
      consoleThrottleRate: 50,
      consoleThrottleBurst: 100,
      consoleWaf: false,
    });
  });
});
