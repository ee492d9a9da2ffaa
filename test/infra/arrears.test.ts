import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.ts';
import { DEFAULTS, TABLE } from '../../contracts/settings.ts';
import { readAppConfig } from '../../infra/config.ts';
import { allowedActions, fnProps, type Json, list, NO_BUNDLING, only, resourcesFor, resourcesOfType, type Statement, type Synthesized, synthCustomAndDefaults, synthesized, expectFailuresKeptIn, expectSchedulerRoleInvokesOnly } from './template-helpers.ts';

// Templates only: no bundling, so these apps synthesize in a second or two.
/** Non-default settings, the arrears zone apart from the business zone, so each is seen to flow to its own place. */
const CUSTOM = {
  timeZone: 'Asia/Urumqi',
  sesFromAddress: 'billing@kam.example.cn',
  sesIdentity: 'kam.example.cn',
  arrearsSchedule: 'cron(30 8 ? * MON-FRI *)',
  arrearsTimeZone: 'Europe/Berlin',
  noticeConcurrency: 4,
} as const;

const synth = synthCustomAndDefaults('arrears', CUSTOM);

function arrearsSchedule(s: Synthesized): Json {
  return only(
    resourcesOfType(s.statelessJson, 'AWS::Scheduler::Schedule').filter(([, sc]) => sc.Properties.Target.Arn['Fn::GetAtt']?.[0] === 'ScanArrears'),
    'arrears schedules',
  )[1].Properties;
}

function queuePolicyStatements(s: Synthesized, queueId: string): Json[] {
  const [, policy] = only(
    resourcesOfType(s.statefulJson, 'AWS::SQS::QueuePolicy').filter(([, p]) => p.Properties.Queues[0].Ref === queueId),
    `${queueId} policy`,
  );
  return policy.Properties.PolicyDocument.Statement as Json[];
}

function mappingOf(s: Synthesized, fn: string): Json {
  return only(
    resourcesOfType(s.statelessJson, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties.FunctionName.Ref === fn),
    `${fn} event source mappings`,
  )[1].Properties;
}

function sesStatements(s: Synthesized, fn: string): Statement[] {
  return s.statementsOf(fn).filter((st) => list(st.Action).some((a) => /^ses:|^sesv2:/i.test(a)));
}

function configSetId(s: Synthesized): string {
  return only(resourcesOfType(s.statelessJson, 'AWS::SES::ConfigurationSet'), 'configuration sets')[0];
}

function alarmTopicId(s: Synthesized): string {
  return only(
    resourcesOfType(s.statelessJson, 'AWS::SNS::Topic').filter(([id]) => id.startsWith('AlarmTopic')),
    'alarm topics',
  )[0];
}

/** Every resource of every IAM policy in the stateless stack, rendered. */
function everyPolicyResource(s: Synthesized): string[] {
  return resourcesOfType(s.statelessJson, 'AWS::IAM::Policy').flatMap(([, p]) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).flatMap((st) => list(st.Resource).map(s.render)),
  );
}

describe('stateful: notice queues', () => {
  it('NoticeQueue redrives to NoticeDlq after 5 receives; both SSE and SSL-only; the DLQ keeps messages 14 days', () => {
    const { statefulJson } = synth.custom;
    const queue = statefulJson.Resources.NoticeQueue;
    const dlq = statefulJson.Resources.NoticeDlq;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['NoticeDlq', 'Arn'] }, maxReceiveCount: 5 });
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(dlq.Properties.RedrivePolicy).toBeUndefined();
    for (const id of ['NoticeQueue', 'NoticeDlq']) {
      expect(queuePolicyStatements(synth.custom, id)).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('NoticeQueue visibility timeout is at least 6 × the SendNotice timeout', () => {
    const timeout = fnProps(synth.custom, 'SendNotice').Timeout as number;
    expect(synth.custom.statefulJson.Resources.NoticeQueue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('ScanArrearsDlq is its own SSE, SSL-only queue that keeps failures 14 days (not NoticeDlq)', () => {
    const dlq = synth.custom.statefulJson.Resources.ScanArrearsDlq;
    expect(dlq.Type).toBe('AWS::SQS::Queue');
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(queuePolicyStatements(synth.custom, 'ScanArrearsDlq')).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('outputs the notice queue URLs', () => {
    const outputs = synth.custom.statefulJson.Outputs;
    expect(outputs.NoticeQueueUrl.Value).toEqual({ Ref: 'NoticeQueue' });
    expect(outputs.NoticeDlqUrl.Value).toEqual({ Ref: 'NoticeDlq' });
    expect(outputs.ScanArrearsDlqUrl.Value).toEqual({ Ref: 'ScanArrearsDlq' });
  });
});

describe('arrears schedule', () => {
  it('fires at the configured cron in the configured zone, with no flexible window', () => {
    expect(arrearsSchedule(synth.custom)).toMatchObject({
      ScheduleExpression: 'cron(30 8 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    // The scan's "today" is a day of the utility's zone, whatever zone the schedule fires in.
    expect(fnProps(synth.custom, 'ScanArrears').Environment.Variables.TIME_ZONE).toBe('Asia/Urumqi');
  });

  it('defaults to 09:00 every day in the business time zone', () => {
    expect(arrearsSchedule(synth.defaults)).toMatchObject({ ScheduleExpression: 'cron(0 9 * * ? *)', ScheduleExpressionTimezone: 'Asia/Shanghai' });
    const s = synthesized(buildApp({ outdir: join(synth.outdir, 'zone'), context: NO_BUNDLING, config: { timeZone: 'Asia/Urumqi' } }));
    expect(arrearsSchedule(s).ScheduleExpressionTimezone).toBe('Asia/Urumqi');
  });

  it('invokes ScanArrears with {"asOf":"today"}, retrying, then dead-lettering to ScanArrearsDlq', () => {
    const target = arrearsSchedule(synth.custom).Target;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['ScanArrears', 'Arn'] });
    expect(JSON.parse(target.Input as string)).toEqual({ asOf: 'today' });
    expect(synth.custom.render(target.DeadLetterConfig.Arn)).toBe('<ScanArrearsDlq.Arn>');
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBe(12 * 3600);
  });

  it('uses a dedicated role that only Scheduler (this account, default group) assumes and that can invoke ScanArrears only', () => {
    const roleId = arrearsSchedule(synth.custom).Target.RoleArn['Fn::GetAtt'][0] as string;
    const statementRoleId = only(
      resourcesOfType(synth.custom.statelessJson, 'AWS::Scheduler::Schedule').filter(([, sc]) => sc.Properties.Target.Arn['Fn::GetAtt']?.[0] === 'RunStatements'),
      'statement schedules',
    )[1].Properties.Target.RoleArn['Fn::GetAtt'][0];
    expect(roleId).not.toBe(statementRoleId);

    expectSchedulerRoleInvokesOnly(synth.custom, roleId, 'ScanArrears', 'ScanArrearsDlq');
    const permissions = resourcesOfType(synth.custom.statelessJson, 'AWS::Lambda::Permission').filter(([, p]) => synth.custom.render(p.Properties.FunctionName).startsWith('<ScanArrears'));
    expect(permissions).toEqual([]);
  });
});

describe('ScanArrears', () => {
  it('runs Node 24 on ARM64, 512 MB, 10 minutes', () => {
    expect(fnProps(synth.custom, 'ScanArrears')).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 512, Timeout: 600, TracingConfig: { Mode: 'Active' } });
  });

  it('gets the table, the notice queue and the time zone, and nothing else', () => {
    const env = fnProps(synth.custom, 'ScanArrears').Environment.Variables as Json;
    expect(synth.custom.render(env.TABLE_NAME)).toBe('<UsageTable>');
    expect(synth.custom.render(env.NOTICE_QUEUE_URL)).toBe('<NoticeQueue>');
    expect(env.TIME_ZONE).toBe('Asia/Urumqi');
    expect(Object.keys(env).filter((k) => !/^(NODE_OPTIONS|POWERTOOLS_)/.test(k)).sort()).toEqual(['NOTICE_QUEUE_URL', 'TABLE_NAME', 'TIME_ZONE']);
  });

  it('reads customer items, records notices (put only) and queries bySegment only', () => {
    const statements = synth.custom.statementsOf('ScanArrears');
    expect(resourcesFor(synth.custom.render, statements, 'dynamodb:PutItem')).toEqual(['<UsageTable.Arn>']);
    for (const action of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
      expect(resourcesFor(synth.custom.render, statements, action), action).toEqual([]);
    }
    expect(resourcesFor(synth.custom.render, statements, 'dynamodb:Query')).toEqual(['<UsageTable.Arn>', '<UsageTable.Arn>/index/bySegment']);
  });

  it('sends only to the notice queue (and its own failure queue), never mail, never S3', () => {
    const statements = synth.custom.statementsOf('ScanArrears');
    expect(resourcesFor(synth.custom.render, statements, 'sqs:SendMessage')).toEqual(['<NoticeQueue.Arn>', '<ScanArrearsDlq.Arn>']);
    const actions = allowedActions(statements);
    expect(actions.filter((a) => /^(ses|sesv2|s3):|^sqs:\*|^\*$/i.test(a))).toEqual([]);
    expect(actions.filter((a) => /^sqs:(ReceiveMessage|DeleteMessage)$/.test(a))).toEqual([]);
    expect(sesStatements(synth.custom, 'ScanArrears')).toEqual([]);
  });

  it('keeps a scan that fails after 2 Lambda retries in ScanArrearsDlq', () => {
    expectFailuresKeptIn(synth.custom, 'ScanArrears', 'ScanArrearsDlq');
  });
});

describe('SendNotice', () => {
  it('runs Node 24 on ARM64, 512 MB, 1 minute', () => {
    expect(fnProps(synth.custom, 'SendNotice')).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 512, Timeout: 60, TracingConfig: { Mode: 'Active' } });
  });

  it('gets the table, the sender, the configuration set, the time zone and its dead-letter queue', () => {
    const env = fnProps(synth.custom, 'SendNotice').Environment.Variables as Json;
    expect(synth.custom.render(env.TABLE_NAME)).toBe('<UsageTable>');
    expect(synth.custom.render(env.DEAD_LETTER_QUEUE_URL)).toBe('<NoticeDlq>');
    expect(env.SES_CONFIGURATION_SET).toEqual({ Ref: configSetId(synth.custom) });
    expect(env).toMatchObject({ FROM_ADDRESS: 'billing@kam.example.cn', TIME_ZONE: 'Asia/Urumqi' });
    expect(Object.keys(env).filter((k) => !/^(NODE_OPTIONS|POWERTOOLS_)/.test(k)).sort()).toEqual(['DEAD_LETTER_QUEUE_URL', 'FROM_ADDRESS', 'SES_CONFIGURATION_SET', 'TABLE_NAME', 'TIME_ZONE']);
  });

  it('consumes NoticeQueue in batches of 10 with partial batch failures, at most noticeConcurrency at a time', () => {
    const mapping = mappingOf(synth.custom, 'SendNotice');
    expect(mapping).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 4 } });
    expect(synth.custom.render(mapping.EventSourceArn)).toBe('<NoticeQueue.Arn>');
    expect(mappingOf(synth.defaults, 'SendNotice').ScalingConfig).toEqual({ MaximumConcurrency: 2 });
    const statements = synth.custom.statementsOf('SendNotice');
    expect(resourcesFor(synth.custom.render, statements, 'sqs:ReceiveMessage')).toEqual(['<NoticeQueue.Arn>']);
    expect(resourcesFor(synth.custom.render, statements, 'sqs:DeleteMessage')).toEqual(['<NoticeQueue.Arn>']);
    // A message that can never succeed is dead-lettered at once; that is its only send.
    expect(resourcesFor(synth.custom.render, statements, 'sqs:SendMessage')).toEqual(['<NoticeDlq.Arn>']);
  });

  it('may send mail only as the configured identity, through the configuration set, from the configured address', () => {
    const statement = only(sesStatements(synth.custom, 'SendNotice'), 'SendNotice SES statements');
    expect(statement.Effect).toBe('Allow');
    expect(list(statement.Action).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(list(statement.Resource).map(synth.custom.render).sort()).toEqual([
      `arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set/<${configSetId(synth.custom)}>`,
      'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/kam.example.cn',
    ]);
    expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'billing@kam.example.cn' } });
    // The very grant SendStatement has: one sender for every customer-facing email.
    expect(statement).toEqual(only(sesStatements(synth.custom, 'SendStatement'), 'SendStatement SES statements'));
  });

  it('reads and writes its customer\'s items, queries no index, touches no bucket', () => {
    const statements = synth.custom.statementsOf('SendNotice');
    expect(resourcesFor(synth.custom.render, statements, 'dynamodb:UpdateItem')).toEqual(['<UsageTable.Arn>']);
    expect(resourcesFor(synth.custom.render, statements, 'dynamodb:Query')).toEqual(['<UsageTable.Arn>']);
    expect(allowedActions(statements).filter((a) => /^s3:|^\*$/.test(a))).toEqual([]);
  });
});

describe('IngestReadings with payments', () => {
  it('reads payments/ files and still neither mails nor deletes objects', () => {
    const statements = synth.custom.statementsOf('IngestReadings');
    expect(resourcesFor(synth.custom.render, statements, 's3:GetObject')).toContain('<IngestBucket.Arn>/payments/*');
    expect(allowedActions(statements).filter((a) => /^(ses|sesv2):|^s3:(Delete|\*)|^s3:.*\*|^\*$/i.test(a))).toEqual([]);
    expect(sesStatements(synth.custom, 'IngestReadings')).toEqual([]);
  });
});

describe('least privilege on table indexes', () => {
  it('grants only named indexes, never index/*, anywhere in the stateless stack', () => {
    const indexArns = everyPolicyResource(synth.custom).filter((arn) => arn.includes('/index/'));
    expect(indexArns.length).toBeGreaterThan(0);
    const named = new Set(Object.values(TABLE.indexes).map((index) => `<UsageTable.Arn>/index/${index.name}`));
    for (const arn of indexArns) expect(named.has(arn), arn).toBe(true);
  });
});

describe('alarms', () => {
  it.each(['NoticeDlq', 'ScanArrearsDlq'])('%s: one message alarms the operators', (dlq) => {
    const [, alarm] = only(
      resourcesOfType(synth.custom.statelessJson, 'AWS::CloudWatch::Alarm').filter(([, a]) => synth.custom.render(a.Properties.Dimensions?.[0]?.Value) === `<${dlq}.QueueName>`),
      `${dlq} alarms`,
    );
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: alarmTopicId(synth.custom) }]);
    expect(alarm.Properties.OKActions).toEqual([{ Ref: alarmTopicId(synth.custom) }]);
  });

  it('alarms on any SendNotice error within 5 minutes', () => {
    const [, alarm] = only(
      resourcesOfType(synth.custom.statelessJson, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === 'Errors'),
      'Lambda error alarms',
    );
    expect(alarm.Properties).toMatchObject({
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'SendNotice' } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: alarmTopicId(synth.custom) }]);
    expect(alarm.Properties.OKActions).toEqual([{ Ref: alarmTopicId(synth.custom) }]);
  });
});

describe('no physical names', () => {
  const NAME_PROPERTIES: Record<string, string> = {
    'AWS::SQS::Queue': 'QueueName',
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::CloudWatch::Alarm': 'AlarmName',
    'AWS::Scheduler::Schedule': 'Name',
  };

  it('names none of the arrears resources (or any other queue, function, role, alarm or schedule)', () => {
    for (const template of [synth.custom.statefulJson, synth.custom.statelessJson]) {
      for (const [id, resource] of Object.entries(template.Resources as Record<string, Json>)) {
        const nameProperty = NAME_PROPERTIES[resource.Type];
        if (nameProperty) expect(resource.Properties?.[nameProperty], `${id}.${nameProperty}`).toBeUndefined();
      }
    }
    for (const id of ['NoticeQueue', 'NoticeDlq', 'ScanArrearsDlq']) expect(synth.custom.statefulJson.Resources[id].Properties.QueueName, id).toBeUndefined();
    for (const id of ['ScanArrears', 'SendNotice']) expect(synth.custom.statelessJson.Resources[id].Properties.FunctionName, id).toBeUndefined();
    expect(arrearsSchedule(synth.custom).Name).toBeUndefined();
  });
});

describe('cdk-nag with arrears settings', () => {
  it('leaves the validation report empty', () => {
    const report = JSON.parse(readFileSync(join(synth.customAssembly, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it('has no AwsSolutions error or warning on either stack', () => {
    for (const stack of [synth.custom.built.stateful, synth.custom.built.stateless] as Stack[]) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
      expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    }
  });
});

describe('arrears configuration', () => {
  const app = new App();

  it('defaults to a daily 09:00 scan in the business zone and 2 concurrent senders; cdk.json says the same', () => {
    expect(readAppConfig(app)).toMatchObject({ arrearsSchedule: 'cron(0 9 * * ? *)', arrearsTimeZone: 'Asia/Shanghai', noticeConcurrency: 2 });
    expect(readAppConfig(app, { timeZone: 'Asia/Urumqi' }).arrearsTimeZone).toBe('Asia/Urumqi');
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json };
    expect(cdkJson.context).toMatchObject({ arrearsSchedule: DEFAULTS.arrearsSchedule, noticeConcurrency: DEFAULTS.noticeConcurrency });
    expect(cdkJson.context.arrearsTimeZone).toBeUndefined();
  });

  it('reads values given as strings (cdk -c)', () => {
    const fromCli = new App({ context: { arrearsSchedule: 'cron(0 7 ? * MON *)', arrearsTimeZone: 'UTC', noticeConcurrency: '6' } });
    expect(readAppConfig(fromCli)).toMatchObject({ arrearsSchedule: 'cron(0 7 ? * MON *)', arrearsTimeZone: 'UTC', noticeConcurrency: 6 });
  });

  it.each([
    [{ arrearsSchedule: 'cron(0 9 * * * *)' }, /arrearsSchedule/],
    [{ arrearsSchedule: 'rate(1 day)' }, /arrearsSchedule/],
    [{ arrearsSchedule: 'cron(0 9 * *)' }, /arrearsSchedule/],
    [{ arrearsTimeZone: 'Mars/Olympus_Mons' }, /arrearsTimeZone/],
    [{ noticeConcurrency: 1 }, /noticeConcurrency/],
    [{ noticeConcurrency: 2.5 }, /noticeConcurrency/],
    [{ noticeConcurrency: 1001 }, /noticeConcurrency/],
  ])('rejects %o', (overrides, message) => {
    expect(() => readAppConfig(app, overrides)).toThrow(message);
  });
});
