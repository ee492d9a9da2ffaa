import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../contracts/settings.ts';
import { pinLogicalId, rootLogicalId } from '../../infra/constructs/logical-ids.ts';
import { QueueWorker } from '../../infra/constructs/queue-worker.ts';
import { ScheduledJob } from '../../infra/constructs/scheduled-job.ts';
import { DeadLetterQueue, WorkQueue } from '../../infra/constructs/work-queue.ts';
import { type Json, list, NO_BUNDLING, only, resourcesOfType, synthDefaults } from './template-helpers.ts';

/** A stand-alone stack with one of each shape: adding a worker or a job is one construct call. */
function shapes(): Json {
  const stack = new Stack(new App({ context: NO_BUNDLING }), 'Shapes');
  const topic = new Topic(stack, 'Alarms');
  const work = new WorkQueue(stack, 'ExampleQueue', { consumerTimeout: Duration.seconds(40), maxReceiveCount: 3 });
  new QueueWorker(stack, 'ExampleWorker', {
    entry: 'functions/send-alert.ts',
    workQueue: work,
    batchSize: 7,
    maxConcurrency: 4,
    alarmTopic: topic,
    deadLetterAlarmDescription: 'example dead letters',
  });
  new ScheduledJob(stack, 'ExampleJob', {
    entry: 'functions/run-statements.ts',
    scheduleDescription: 'example schedule',
    expression: 'cron(0 5 * * ? *)',
    timeZone: 'Asia/Urumqi',
    input: { asOf: 'today' },
    deadLetterQueue: pinLogicalId(new DeadLetterQueue(stack, 'ExampleJobDlq', { terminalFor: 'example' }), 'ExampleJobDlq'),
    alarmTopic: topic,
    deadLetterAlarmDescription: 'example job failed',
  });
  return Template.fromStack(stack).toJSON() as Json;
}

describe('infra shapes', () => {
  let t: Json;
  beforeAll(() => {
    t = shapes();
  });
  const resource = (id: string): Json => t.Resources[id];
  const statements = (fn: string): Json[] =>
    resourcesOfType(t, 'AWS::IAM::Policy')
      .filter(([, p]) => list(p.Properties.Roles).some((r: Json) => r.Ref === resource(fn).Properties.Role['Fn::GetAtt'][0]))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Json[]);

  it('WorkQueue: <Name>Queue and <Name>Dlq, SSE-SQS, redrive after maxReceiveCount, visibility 6 × the consumer timeout, DLQ kept 14 days', () => {
    expect(resource('ExampleQueue').Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 240,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['ExampleDlq', 'Arn'] }, maxReceiveCount: 3 },
    });
    expect(resource('ExampleDlq').Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
    // SSL only, on both.
    for (const queue of ['ExampleQueue', 'ExampleDlq']) {
      const [, policy] = only(resourcesOfType(t, 'AWS::SQS::QueuePolicy').filter(([, p]) => p.Properties.Queues[0].Ref === queue), `${queue} policy`);
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('WorkQueue ids are <Name>Queue', () => {
    expect(() => new WorkQueue(new Stack(), 'Example', { consumerTimeout: Duration.seconds(1) })).toThrow(/<Name>Queue/);
  });

  it("QueueWorker: the queue's consumer timeout, partial batch failures, bounded concurrency", () => {
    expect(resource('ExampleWorker').Properties.Timeout).toBe(40);
    const [, mapping] = only(resourcesOfType(t, 'AWS::Lambda::EventSourceMapping'), 'mappings');
    expect(mapping.Properties).toMatchObject({
      FunctionName: { Ref: 'ExampleWorker' },
      EventSourceArn: { 'Fn::GetAtt': ['ExampleQueue', 'Arn'] },
      BatchSize: 7,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  it('QueueWorker: its DLQ URL in DEAD_LETTER_QUEUE_URL, SendMessage on that DLQ and nothing else sends', () => {
    expect(resource('ExampleWorker').Properties.Environment.Variables[ENV.deadLetterQueueUrl]).toEqual({ Ref: 'ExampleDlq' });
    const sends = statements('ExampleWorker').filter((s) => list(s.Action).some((a: string) => a.startsWith('sqs:Send')));
    expect(sends).toEqual([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['ExampleDlq', 'Arn'] } }]);
  });

  it('ScheduledJob: schedule in its zone, own role invoking only it, failures kept in the DLQ', () => {
    const [, schedule] = only(resourcesOfType(t, 'AWS::Scheduler::Schedule'), 'schedules');
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 5 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Urumqi',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: { 'Fn::GetAtt': ['ExampleJob', 'Arn'] }, Input: '{"asOf":"today"}', DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['ExampleJobDlq', 'Arn'] } } },
    });
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
    const roleStatements = resourcesOfType(t, 'AWS::IAM::Policy')
      .filter(([, p]) => list(p.Properties.Roles).some((r: Json) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Json[]);
    expect(roleStatements.map((s) => [s.Action, s.Resource])).toEqual([
      ['lambda:InvokeFunction', { 'Fn::GetAtt': ['ExampleJob', 'Arn'] }],
      ['sqs:SendMessage', { 'Fn::GetAtt': ['ExampleJobDlq', 'Arn'] }],
    ]);
    const [, config] = only(resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig'), 'invoke configs');
    expect(config.Properties).toMatchObject({ MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['ExampleJobDlq', 'Arn'] } } } });
  });

  it('every shape alarms on its dead-letter queue at the first message, to the operators, with an all-clear', () => {
    const alarms = resourcesOfType(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms.map((a) => a.Dimensions[0].Value['Fn::GetAtt'].join('.')).sort()).toEqual(['ExampleDlq.QueueName', 'ExampleJobDlq.QueueName']);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
      expect(alarm.OKActions).toEqual(alarm.AlarmActions);
    }
  });
});

describe('logical ids', () => {
  const synth = synthDefaults('ids');

  it('rootLogicalId is what CDK allocates at the stack root', () => {
    const stack = new Stack();
    const queue = new DeadLetterQueue(stack, 'SomeDlq');
    expect(stack.getLogicalId(queue.node.findChild('Policy').node.defaultChild as never)).toBe(rootLogicalId('SomeDlq', 'Policy', 'Resource'));
  });

  it('the stateful stack keeps every logical id it had before its queues became WorkQueues (no replacement, no orphaned data)', () => {
    // Queue policies matter as much as queues: a replaced AWS::SQS::QueuePolicy deletes the queue's policy (S3's
    // permission to send, SSL only) after its successor was written.
    expect(Object.keys(synth.s.statefulJson.Resources).sort()).toEqual(
      [
        'AccessLogBucket', 'AccessLogBucketPolicyF52D2D01', 'IngestBucket', 'IngestBucketPolicy7E6A5A36', 'IngestBucketNotificationsHandlerPolicyA3BE31E3',
        'IngestBucketNotificationsE6245409', 'UsageTable', 'IngestDlq', 'IngestDlqPolicyCE92E6C3', 'IngestQueue', 'IngestQueuePolicy853373B8', 'StatementDlq',
        'StatementDlqPolicy944B634C', 'StatementQueue', 'StatementQueuePolicy32042099', 'AlertDlq', 'AlertDlqPolicy1B95C0DC', 'AlertQueue',
        'AlertQueuePolicyF8935DD2', 'RunStatementsDlq', 'RunStatementsDlqPolicy2555F07F', 'SesFeedbackDlq', 'SesFeedbackDlqPolicy88CD5588', 'NoticeDlq',
        'NoticeDlqPolicyB95A010F', 'NoticeQueue', 'NoticeQueuePolicy052EEDAA', 'ScanArrearsDlq', 'ScanArrearsDlqPolicyC037FE8B', 'SendDigestDlq',
        'SendDigestDlqPolicy4B6B733F', 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834RoleB6FB88EC',
        'BucketNotificationsHandler050a0587b7544547bf325f094a3db8347ECC3691',
        // Added with the fan-out of large files (issue 9).
        'ChunkQueue', 'ChunkQueuePolicyB0ADD50E', 'ChunkDlq', 'ChunkDlqPolicyB3FC9BFA',
        // Added with the population classification job (a new queue; nothing above changed).
        'ClassifyDlq', 'ClassifyDlqPolicyA19C8B8D',
        // Added with the console (issue 10): its user pool, pinned, as it holds the staff's accounts.
        'ConsoleUserPool', 'ConsoleGroupManagers', 'ConsoleGroupSupervisors', 'ConsoleGroupOperators', 'ConsoleClient',
        // and the managed login's domain, where the web UI signs in.
        'ConsoleDomain',
      ].sort(),
    );
  });

  it('functions, their log groups, roles and event source mappings keep their ids (a renamed mapping would clash with the old one)', () => {
    const ids = Object.keys(synth.s.statelessJson.Resources);
    for (const fn of ['IngestReadings', 'SendStatement', 'SendAlert', 'SendNotice']) {
      expect(ids.filter((id) => id.startsWith(`${fn}FunctionSqsEventSourceKamStateful`))).toHaveLength(1);
    }
    expect(ids).toEqual(
      expect.arrayContaining([
        'IngestReadingsLogGroup45CD79DE', 'IngestReadingsRoleF072EF8E', 'IngestReadingsFunctionSqsEventSourceKamStatefulIngestQueueEC4280216AA5B17A',
        'RunStatementsLogGroup822F3D9D', 'RunStatementsRole44CD96AC', 'RunStatementsFunctionEventInvokeConfigD335C6AA',
        'SendStatementLogGroup59675DCD', 'SendStatementFunctionSqsEventSourceKamStatefulStatementQueue99B9B31141132A6F',
        'SendAlertFunctionSqsEventSourceKamStatefulAlertQueue73A58AD82970BC9A', 'SendNoticeFunctionSqsEventSourceKamStatefulNoticeQueue7AA193B91BB04849',
        'ScanArrearsLogGroup9CF14AC6', 'SendNoticeLogGroupFE044049', 'SendDigestLogGroup4D3E235D', 'SendAlertLogGroupC6BCEA5C', 'SesFeedbackLogGroupA2ABA560',
      ]),
    );
  });

  it('every environment variable a function gets is one the functions read (contracts/settings.ts)', () => {
    const known = new Set<string>(Object.values(ENV));
    const set = resourcesOfType(synth.s.statelessJson, 'AWS::Lambda::Function')
      .filter(([, r]) => r.Metadata?.['kam:entry'])
      .flatMap(([id, r]) => Object.keys(r.Properties.Environment.Variables as Json).map((name) => `${id}:${name}`));
    expect(set.filter((entry) => !/:(NODE_OPTIONS|POWERTOOLS_\w+)$/.test(entry) && !known.has(entry.split(':')[1]!))).toEqual([]);
  });
});
