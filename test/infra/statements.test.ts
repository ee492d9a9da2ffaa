import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.ts';
import { readAppConfig } from '../../infra/config.ts';
import { allowedActions, fnProps, type Json, list, NO_BUNDLING, only, resourcesFor, resourcesOfType, type Statement, type Synthesized, synthCustomAndDefaults, synthesized, expectFailuresKeptIn, expectSchedulerRoleInvokesOnly } from './template-helpers.ts';

// Templates only: no bundling, so these apps synthesize in a second or two.
/** Non-default settings everywhere, so the tests see them flow through rather than the synth.defaults. */
const CUSTOM = {
  timeZone: 'Asia/Urumqi',
  sesFromAddress: 'billing@kam.example.cn',
  sesIdentity: 'kam.example.cn',
  statementSchedule: 'cron(30 7 3 * ? *)',
  maxSendRate: 4,
  statementConcurrency: 3,
  dueDays: 20,
  alertDemandShare: 0.9,
  alertBillIncrease: 0.35,
} as const;
const FUNCTIONS = ['IngestReadings', 'RunStatements', 'SendStatement', 'SendAlert', 'SesFeedback', 'ScanArrears', 'SendNotice', 'SendDigest'];
const MAILERS = ['SendStatement', 'SendAlert', 'SesFeedback', 'SendNotice', 'SendDigest'];

const synth = synthCustomAndDefaults('statements', CUSTOM);

/** The function's SES statements, rendered. */
function sesStatements(s: Synthesized, fn: string): Statement[] {
  return s.statementsOf(fn).filter((st) => list(st.Action).some((a) => /^ses:|^sesv2:/.test(a)));
}

function configSetId(s: Synthesized): string {
  return only(resourcesOfType(s.statelessJson, 'AWS::SES::ConfigurationSet'), 'configuration sets')[0];
}

function topicId(s: Synthesized, name: string): string {
  return only(
    resourcesOfType(s.statelessJson, 'AWS::SNS::Topic').filter(([id]) => id.startsWith(name)),
    name,
  )[0];
}

describe('stateful: statement and alert queues', () => {
  it.each([
    ['StatementQueue', 'StatementDlq', 'SendStatement'],
    ['AlertQueue', 'AlertDlq', 'SendAlert'],
  ])('%s redrives to %s after 5 receives, both SSE and SSL-only; visibility ≥ 6 × the %s timeout', (queueId, dlqId, consumer) => {
    const { statefulJson } = synth.custom;
    const queue = statefulJson.Resources[queueId];
    const dlq = statefulJson.Resources[dlqId];
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 });
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
    expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(dlq.Properties.RedrivePolicy).toBeUndefined();
    const timeout = fnProps(synth.custom, consumer).Timeout as number;
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    for (const id of [queueId, dlqId]) {
      const [, policy] = only(
        resourcesOfType(statefulJson, 'AWS::SQS::QueuePolicy').filter(([, p]) => p.Properties.Queues[0].Ref === id),
        `${id} policy`,
      );
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it.each(['RunStatementsDlq', 'SesFeedbackDlq'])('%s is an SSE, SSL-only queue that keeps failures 14 days', (id) => {
    const dlq = synth.custom.statefulJson.Resources[id].Properties;
    expect(dlq).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const [, policy] = only(
      resourcesOfType(synth.custom.statefulJson, 'AWS::SQS::QueuePolicy').filter(([, p]) => p.Properties.Queues[0].Ref === id),
      `${id} policy`,
    );
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  it('outputs every new queue URL', () => {
    const outputs = synth.custom.statefulJson.Outputs;
    for (const id of ['StatementQueue', 'StatementDlq', 'AlertQueue', 'AlertDlq', 'RunStatementsDlq', 'SesFeedbackDlq']) {
      expect(outputs[`${id}Url`]?.Value, id).toEqual({ Ref: id });
    }
  });
});

describe('statement schedule', () => {
  function schedule(s: Synthesized): Json {
    return only(
      resourcesOfType(s.statelessJson, 'AWS::Scheduler::Schedule').filter(([, sc]) => sc.Properties.Target.Arn['Fn::GetAtt']?.[0] === 'RunStatements'),
      'statement schedules',
    )[1].Properties;
  }

  it('fires at the configured cron, in the configured zone, with no flexible window', () => {
    expect(schedule(synth.custom)).toMatchObject({
      ScheduleExpression: 'cron(30 7 3 * ? *)',
      ScheduleExpressionTimezone: 'Asia/Urumqi',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    expect(schedule(synth.defaults)).toMatchObject({ ScheduleExpression: 'cron(0 6 2 * ? *)', ScheduleExpressionTimezone: 'Asia/Shanghai' });
  });

  it('can run in its own zone, apart from the business time zone', () => {
    const s = synthesized(buildApp({ outdir: join(synth.outdir, 'zone'), context: { ...NO_BUNDLING, statementTimeZone: 'UTC' }, config: { timeZone: 'Asia/Urumqi' } }));
    expect(schedule(s).ScheduleExpressionTimezone).toBe('UTC');
    // Periods are months of the utility's zone, whenever the run fires.
    expect(fnProps(s, 'RunStatements').Environment.Variables.TIME_ZONE).toBe('Asia/Urumqi');
  });

  it('invokes RunStatements with {"period":"previous"}, dead-lettering to RunStatementsDlq', () => {
    const target = schedule(synth.custom).Target;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['RunStatements', 'Arn'] });
    expect(JSON.parse(target.Input as string)).toEqual({ period: 'previous' });
    expect(synth.custom.render(target.DeadLetterConfig.Arn)).toBe('<RunStatementsDlq.Arn>');
  });

  it('uses a dedicated role that only Scheduler (this account, default group) assumes and that can invoke RunStatements only', () => {
    const roleId = schedule(synth.custom).Target.RoleArn['Fn::GetAtt'][0] as string;
    expectSchedulerRoleInvokesOnly(synth.custom, roleId, 'RunStatements', 'RunStatementsDlq');
  });
});

describe('RunStatements', () => {
  it('gets the table, the statement queue and the time zone', () => {
    const env = fnProps(synth.custom, 'RunStatements').Environment.Variables;
    expect(synth.custom.render(env.TABLE_NAME)).toBe('<UsageTable>');
    expect(synth.custom.render(env.STATEMENT_QUEUE_URL)).toBe('<StatementQueue>');
    expect(env.TIME_ZONE).toBe('Asia/Urumqi');
  });

  it('only lists the customers (bySegment), sends only to the statement queue and its failure queue, sends no mail', () => {
    const statements = synth.custom.statementsOf('RunStatements');
    expect(allowedActions(statements).filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:Query']);
    expect(resourcesFor(synth.custom.render, statements, 'dynamodb:Query')).toEqual(['<UsageTable.Arn>/index/bySegment']);
    expect(resourcesFor(synth.custom.render, statements, 'sqs:SendMessage')).toEqual(['<RunStatementsDlq.Arn>', '<StatementQueue.Arn>']);
    expect(allowedActions(statements).filter((a) => /^(ses|sesv2|s3):/.test(a))).toEqual([]);
  });

  it('keeps a run that fails after 2 Lambda retries in RunStatementsDlq', () => {
    expectFailuresKeptIn(synth.custom, 'RunStatements', 'RunStatementsDlq');
  });
});

describe('SendStatement and SendAlert', () => {
  it.each([
    ['SendStatement', '<StatementQueue.Arn>', 3, 'StatementDlq'],
    ['SendAlert', '<AlertQueue.Arn>', 2, 'AlertDlq'],
  ])('%s consumes %s in batches of 10 with partial batch failures, at most %i at a time; sends only to its own %s', (fn, queueArn, concurrency, dlq) => {
    const [, mapping] = only(
      resourcesOfType(synth.custom.statelessJson, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties.FunctionName.Ref === fn),
      `${fn} mappings`,
    );
    expect(mapping.Properties).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: concurrency } });
    expect(synth.custom.render(mapping.Properties.EventSourceArn)).toBe(queueArn);
    expect(resourcesFor(synth.custom.render, synth.custom.statementsOf(fn), 'sqs:ReceiveMessage')).toEqual([queueArn]);
    // A message that can never succeed is dead-lettered at once; that is its only send.
    expect(resourcesFor(synth.custom.render, synth.custom.statementsOf(fn), 'sqs:SendMessage')).toEqual([`<${dlq}.Arn>`]);
    expect(synth.custom.render(fnProps(synth.custom, fn).Environment.Variables.DEAD_LETTER_QUEUE_URL)).toBe(`<${dlq}>`);
  });

  it('statement concurrency synth.defaults to 5', () => {
    const [, mapping] = only(
      resourcesOfType(synth.defaults.statelessJson, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties.FunctionName.Ref === 'SendStatement'),
      'mappings',
    );
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 5 });
  });

  it('SendStatement gets the configured sender, rate, due days and zone', () => {
    const env = fnProps(synth.custom, 'SendStatement').Environment.Variables;
    expect(synth.custom.render(env.TABLE_NAME)).toBe('<UsageTable>');
    expect(env.SES_CONFIGURATION_SET).toEqual({ Ref: configSetId(synth.custom) });
    expect(env).toMatchObject({ FROM_ADDRESS: 'billing@kam.example.cn', MAX_SEND_RATE: '4', DUE_DAYS: '20', TIME_ZONE: 'Asia/Urumqi' });
  });

  it('SendStatement queries no index (only its customer\'s items) and reads no bucket', () => {
    const statements = synth.custom.statementsOf('SendStatement');
    expect(resourcesFor(synth.custom.render, statements, 'dynamodb:UpdateItem')).toEqual(['<UsageTable.Arn>']);
    expect(resourcesFor(synth.custom.render, statements, 'dynamodb:Query')).toEqual(['<UsageTable.Arn>']);
    expect(allowedActions(statements).filter((a) => a.startsWith('s3:'))).toEqual([]);
  });

  it('SendAlert gets the sender and zone', () => {
    const env = fnProps(synth.custom, 'SendAlert').Environment.Variables;
    expect(env.SES_CONFIGURATION_SET).toEqual({ Ref: configSetId(synth.custom) });
    expect(env).toMatchObject({ FROM_ADDRESS: 'billing@kam.example.cn', TIME_ZONE: 'Asia/Urumqi' });
    expect(synth.custom.render(env.TABLE_NAME)).toBe('<UsageTable>');
  });
});

describe('SES sending rights', () => {
  it.each(MAILERS)('%s may send only as the configured identity, through the configuration set, from the configured address', (fn) => {
    const statement = only(sesStatements(synth.custom, fn), `${fn} SES statements`);
    expect(statement.Effect).toBe('Allow');
    expect(list(statement.Action).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(list(statement.Resource).map(synth.custom.render).sort()).toEqual([
      `arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set/<${configSetId(synth.custom)}>`,
      'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/kam.example.cn',
    ]);
    expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'billing@kam.example.cn' } });
  });

  it('defaults to the from address statements@example.com on the identity example.com', () => {
    for (const fn of MAILERS) {
      const statement = only(sesStatements(synth.defaults, fn), fn);
      expect(list(statement.Resource).map(synth.defaults.render)).toContain('arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/example.com');
      expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'statements@example.com' } });
    }
  });

  it('grants SES to no other function', () => {
    for (const fn of FUNCTIONS.filter((f) => !MAILERS.includes(f))) expect(sesStatements(synth.custom, fn), fn).toEqual([]);
  });

  it('creates no SES identity unless asked; asked, a retained domain identity with DKIM records to publish', () => {
    expect(resourcesOfType(synth.custom.statelessJson, 'AWS::SES::EmailIdentity')).toEqual([]);
    const s = synthesized(buildApp({ outdir: join(synth.outdir, 'identity'), context: { ...NO_BUNDLING, createSesIdentity: 'true' }, config: CUSTOM }));
    const [, identity] = only(resourcesOfType(s.statelessJson, 'AWS::SES::EmailIdentity'), 'identities');
    expect(identity.Properties.EmailIdentity).toBe('kam.example.cn');
    expect(identity.DeletionPolicy).toBe('Retain');
    expect(Object.keys(s.statelessJson.Outputs).filter((k) => k.startsWith('SesDkimRecord'))).toHaveLength(3);
    // The grant names the identity the same way whether or not this app creates it.
    expect(list(only(sesStatements(s, 'SendStatement'), 'SES').Resource).map(s.render)).toContain(
      'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/kam.example.cn',
    );
  });

  it('supports an address identity', () => {
    const s = synthesized(
      buildApp({ outdir: join(synth.outdir, 'address'), context: NO_BUNDLING, config: { ...CUSTOM, sesIdentity: 'billing@kam.example.cn', createSesIdentity: true } }),
    );
    expect(only(resourcesOfType(s.statelessJson, 'AWS::SES::EmailIdentity'), 'identities')[1].Properties.EmailIdentity).toBe('billing@kam.example.cn');
    expect(Object.keys(s.statelessJson.Outputs).filter((k) => k.startsWith('SesDkimRecord'))).toEqual([]);
    expect(list(only(sesStatements(s, 'SendAlert'), 'SES').Resource).map(s.render)).toContain(
      'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/billing@kam.example.cn',
    );
  });
});

describe('SES feedback', () => {
  it('the configuration set keeps reputation metrics and sends bounces and complaints to the feedback topic', () => {
    const set = synth.custom.statelessJson.Resources[configSetId(synth.custom)].Properties;
    expect(set.ReputationOptions).toEqual({ ReputationMetricsEnabled: true });
    const [, destination] = only(resourcesOfType(synth.custom.statelessJson, 'AWS::SES::ConfigurationSetEventDestination'), 'event destinations');
    expect(destination.Properties.ConfigurationSetName).toEqual({ Ref: configSetId(synth.custom) });
    expect(destination.Properties.EventDestination).toMatchObject({
      Enabled: true,
      MatchingEventTypes: ['bounce', 'complaint'],
      SnsDestination: { TopicARN: { Ref: topicId(synth.custom, 'SesFeedbackTopic') } },
    });
  });

  it('the feedback topic is KMS-encrypted (rotating key SES may use), SSL-only, and only this configuration set may publish', () => {
    const topic = topicId(synth.custom, 'SesFeedbackTopic');
    const keyId = synth.custom.statelessJson.Resources[topic].Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
    const key = synth.custom.statelessJson.Resources[keyId].Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'ses.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    );
    const [, policy] = only(
      resourcesOfType(synth.custom.statelessJson, 'AWS::SNS::TopicPolicy').filter(([, p]) => p.Properties.Topics[0].Ref === topic),
      'topic policies',
    );
    const statements = policy.Properties.PolicyDocument.Statement as Json[];
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const allow = only(
      statements.filter((st) => st.Effect === 'Allow'),
      'allow statements',
    );
    expect(allow).toMatchObject({ Action: 'sns:Publish', Principal: { Service: 'ses.amazonaws.com' } });
    expect(synth.custom.render(allow.Condition.StringEquals['AWS:SourceArn'])).toBe(
      `arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set/<${configSetId(synth.custom)}>`,
    );
  });

  it('SesFeedback is subscribed to the topic, invocable by SNS from that topic only, with failures kept in SesFeedbackDlq', () => {
    const topic = topicId(synth.custom, 'SesFeedbackTopic');
    const [, subscription] = only(resourcesOfType(synth.custom.statelessJson, 'AWS::SNS::Subscription'), 'subscriptions');
    expect(subscription.Properties).toEqual({ Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': ['SesFeedback', 'Arn'] }, TopicArn: { Ref: topic } });
    const [, permission] = only(
      resourcesOfType(synth.custom.statelessJson, 'AWS::Lambda::Permission').filter(([, p]) => synth.custom.render(p.Properties.FunctionName) === '<SesFeedback.Arn>'),
      'permissions',
    );
    expect(permission.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: { Ref: topic } });
    const [, config] = only(
      resourcesOfType(synth.custom.statelessJson, 'AWS::Lambda::EventInvokeConfig').filter(([, c]) => c.Properties.FunctionName.Ref === 'SesFeedback'),
      'invoke configs',
    );
    expect(synth.custom.render(config.Properties.DestinationConfig.OnFailure.Destination)).toBe('<SesFeedbackDlq.Arn>');
    expect(resourcesFor(synth.custom.render, synth.custom.statementsOf('SesFeedback'), 'sqs:SendMessage')).toEqual(['<SesFeedbackDlq.Arn>']);
  });

  it('SesFeedback gets the table, the sender and the configuration set', () => {
    const env = fnProps(synth.custom, 'SesFeedback').Environment.Variables;
    expect(synth.custom.render(env.TABLE_NAME)).toBe('<UsageTable>');
    expect(env.FROM_ADDRESS).toBe('billing@kam.example.cn');
    expect(env.SES_CONFIGURATION_SET).toEqual({ Ref: configSetId(synth.custom) });
    expect(resourcesFor(synth.custom.render, synth.custom.statementsOf('SesFeedback'), 'dynamodb:PutItem')).toEqual(['<UsageTable.Arn>']);
  });
});

describe('IngestReadings and alerts', () => {
  it('gets the alert queue and thresholds', () => {
    const env = fnProps(synth.custom, 'IngestReadings').Environment.Variables;
    expect(synth.custom.render(env.ALERT_QUEUE_URL)).toBe('<AlertQueue>');
    expect(env).toMatchObject({ ALERT_DEMAND_SHARE: '0.9', ALERT_BILL_INCREASE: '0.35' });
    expect(fnProps(synth.defaults, 'IngestReadings').Environment.Variables).toMatchObject({ ALERT_DEMAND_SHARE: '0.95', ALERT_BILL_INCREASE: '0.2' });
  });

  it('can send to the alert queue, the chunk queue and its own dead-letter queue only, and still neither mail nor delete objects', () => {
    const statements = synth.custom.statementsOf('IngestReadings');
    expect(resourcesFor(synth.custom.render, statements, 'sqs:SendMessage')).toEqual(['<AlertQueue.Arn>', '<ChunkQueue.Arn>', '<IngestDlq.Arn>']);
    expect(synth.custom.render(fnProps(synth.custom, 'IngestReadings').Environment.Variables.DEAD_LETTER_QUEUE_URL)).toBe('<IngestDlq>');
    expect(allowedActions(statements).filter((a) => /^(ses|sesv2):|^s3:(Delete|\*)|^s3:.*\*|^sqs:\*|^\*$/i.test(a))).toEqual([]);
  });
});

describe('alarms on every dead-letter queue', () => {
  it.each(['IngestDlq', 'ChunkDlq', 'StatementDlq', 'AlertDlq', 'RunStatementsDlq', 'SesFeedbackDlq', 'NoticeDlq', 'ScanArrearsDlq', 'SendDigestDlq'])('%s: one message is enough', (dlq) => {
    const { statelessJson, render } = synth.custom;
    const [, alarm] = only(
      resourcesOfType(statelessJson, 'AWS::CloudWatch::Alarm').filter(([, a]) => render(a.Properties.Dimensions?.[0]?.Value) === `<${dlq}.QueueName>`),
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
    const alarmTopic = topicId(synth.custom, 'AlarmTopic');
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: alarmTopic }]);
    expect(alarm.Properties.OKActions).toEqual([{ Ref: alarmTopic }]);
  });
});

describe('the local runner can resolve every environment', () => {
  const RESOLVABLE = new Set(['Ref', 'Fn::GetAtt', 'Fn::Join', 'Fn::GetStackOutput', 'Fn::ImportValue']);
  function check(value: unknown, at: string): void {
    if (typeof value === 'string') return;
    expect(value !== null && typeof value === 'object' && !Array.isArray(value), at).toBe(true);
    const [key, inner] = only(Object.entries(value as Json), at);
    expect(RESOLVABLE.has(key), `${at}: ${key}`).toBe(true);
    if (key === 'Fn::Join') (inner[1] as unknown[]).forEach((part, i) => check(part, `${at}[${i}]`));
  }

  it.each(FUNCTIONS)('%s: every value is a string, Ref, GetAtt, Join or stack output', (fn) => {
    for (const [name, value] of Object.entries(fnProps(synth.custom, fn).Environment.Variables as Json)) check(value, `${fn}.${name}`);
  });
});

describe('cdk-nag with non-default settings', () => {
  it('leaves the validation report empty', () => {
    const report = JSON.parse(readFileSync(join(synth.customAssembly, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });
});

describe('statement configuration', () => {
  const app = new App();

  it('derives the identity from the from address and the schedule zone from the business zone', () => {
    expect(readAppConfig(app, { sesFromAddress: 'Bills@Power.Example.org', timeZone: 'Asia/Urumqi' })).toMatchObject({
      sesIdentity: 'power.example.org',
      statementTimeZone: 'Asia/Urumqi',
    });
  });

  it('reads numbers and flags given as strings (cdk -c)', () => {
    const fromCli = new App({ context: { maxSendRate: '14', statementConcurrency: '8', dueDays: '30', createSesIdentity: 'true', alertBillIncrease: '0.5' } });
    expect(readAppConfig(fromCli)).toMatchObject({ maxSendRate: 14, statementConcurrency: 8, dueDays: 30, createSesIdentity: true, alertBillIncrease: 0.5 });
  });

  it('accepts a parent domain identity and the address itself', () => {
    expect(readAppConfig(app, { sesFromAddress: 'a@mail.kam.example.cn', sesIdentity: 'kam.example.cn' }).sesIdentity).toBe('kam.example.cn');
    expect(readAppConfig(app, { sesFromAddress: 'a@kam.example.cn', sesIdentity: 'a@kam.example.cn' }).sesIdentity).toBe('a@kam.example.cn');
  });

  it.each([
    [{ sesFromAddress: 'nobody' }, /sesFromAddress/],
    [{ sesIdentity: 'other.example.net' }, /sesIdentity/],
    [{ sesIdentity: 'someone@example.com', sesFromAddress: 'statements@example.com' }, /sesIdentity/],
    [{ sesFromAddress: 'a@badexample.com', sesIdentity: 'example.com' }, /sesIdentity/],
    [{ statementSchedule: 'cron(0 6 2 * * *)' }, /statementSchedule/],
    [{ statementSchedule: 'rate(30 days)' }, /statementSchedule/],
    [{ statementSchedule: 'cron(0 6 2 *)' }, /statementSchedule/],
    [{ statementTimeZone: 'Mars/Olympus_Mons' }, /statementTimeZone/],
    [{ maxSendRate: 0 }, /maxSendRate/],
    [{ statementConcurrency: 1 }, /statementConcurrency/],
    [{ statementConcurrency: 2.5 }, /statementConcurrency/],
    [{ dueDays: 0 }, /dueDays/],
    [{ dueDays: 91 }, /dueDays/],
    [{ alertDemandShare: 0 }, /alertDemandShare/],
    [{ alertBillIncrease: -0.1 }, /alertBillIncrease/],
  ])('rejects %o', (overrides, message) => {
    expect(() => readAppConfig(app, overrides)).toThrow(message);
  });

  it('rejects a createSesIdentity that is not a boolean', () => {
    expect(() => readAppConfig(new App({ context: { createSesIdentity: 'yes' } }))).toThrow(/createSesIdentity/);
  });
});
