import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../contracts/settings.ts';
import { readAppConfig } from '../../infra/config.ts';
import { APP_ALARMS, NAMESPACE, RATE_ALARMS, type WidgetSpec, WIDGETS } from '../../infra/dashboard-spec.ts';
import { allowedActions, type Json, list, only, resourcesFor, resourcesOfType, type Synthesized, synthCustomAndDefaults, expectFailuresKeptIn, expectSchedulerRoleInvokesOnly } from './template-helpers.ts';

/** Non-default settings, so the tests see them flow through rather than the synth.defaults. */
const CUSTOM = {
  timeZone: 'Asia/Urumqi',
  sesFromAddress: 'billing@kam.example.cn',
  sesIdentity: 'kam.example.cn',
  digestSchedule: 'cron(30 7 ? * FRI *)',
  classifySchedule: 'cron(0/15 * * * ? *)',
} as const;
const SECTION_QUEUES = ['IngestQueue', 'ChunkQueue', 'StatementQueue', 'AlertQueue', 'NoticeQueue'];
const TABLE_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'];

const synth = synthCustomAndDefaults('operations', CUSTOM);

/** Logical ids of the project's functions (KamFunction marks each with its handler entry). */
function functionIds(s: Synthesized): string[] {
  return resourcesOfType(s.statelessJson, 'AWS::Lambda::Function')
    .filter(([, fn]) => fn.Metadata?.['kam:entry'])
    .map(([id]) => id);
}

function alarmTopicId(s: Synthesized): string {
  return only(
    resourcesOfType(s.statelessJson, 'AWS::SNS::Topic').filter(([id]) => id.startsWith('AlarmTopic')),
    'alarm topics',
  )[0];
}

function alarms(s: Synthesized): [string, Json][] {
  return resourcesOfType(s.statelessJson, 'AWS::CloudWatch::Alarm');
}

/** The dashboard body: the Fn::Join resolved to JSON text, each reference rendered as `<Id>` / `<Id.Attr>`. */
function dashboardBody(s: Synthesized): { widgets: Json[] } {
  const [, dashboard] = only(resourcesOfType(s.statelessJson, 'AWS::CloudWatch::Dashboard'), 'dashboards');
  const body = dashboard.Properties.DashboardBody as string | Json;
  if (typeof body === 'string') return JSON.parse(body);
  const [separator, parts] = body['Fn::Join'] as [string, unknown[]];
  // References only ever sit inside JSON strings (region, queue and function names); their renderings hold no quotes.
  const text = parts.map((part) => (typeof part === 'string' ? part : s.render(part))).join(separator);
  return JSON.parse(text);
}

interface DrawnMetric {
  namespace?: string;
  name?: string;
  dimensions: Record<string, string>;
  stat?: string;
  expression?: string;
}

/** A graph widget's metrics array: `[namespace, name, dim, value, ..., {options}]` rows, or `[{expression}]`. */
function drawn(widget: Json): DrawnMetric[] {
  return (widget.properties.metrics as unknown[][]).map((row) => {
    const options = (typeof row[row.length - 1] === 'object' ? row[row.length - 1] : {}) as Json;
    if (options.expression) return { dimensions: {}, expression: options.expression as string };
    const [namespace, name, ...rest] = row.filter((cell) => typeof cell === 'string') as string[];
    const dimensions: Record<string, string> = {};
    for (let i = 0; i + 1 < rest.length; i += 2) dimensions[rest[i]!] = rest[i + 1]!;
    return { namespace: namespace!, name: name!, dimensions, stat: options.stat as string };
  });
}

function widgetTitled(s: Synthesized, title: string): Json {
  return only(
    dashboardBody(s).widgets.filter((w) => w.type === 'metric' && w.properties.title === title),
    `widgets titled "${title}"`,
  );
}

describe('operations dashboard', () => {
  it('is one dashboard with no physical name and a stable logical id', () => {
    const [id, dashboard] = only(resourcesOfType(synth.custom.statelessJson, 'AWS::CloudWatch::Dashboard'), 'dashboards');
    expect(id).toBe('OperationsDashboard');
    expect(dashboard.Properties.DashboardName).toBeUndefined();
  });

  it('has one graph per WIDGETS entry, titled as in the spec, 6 or 8 wide', () => {
    const graphs = dashboardBody(synth.custom).widgets.filter((w) => w.type === 'metric');
    expect(graphs.map((w) => w.properties.title)).toEqual(WIDGETS.map((w) => w.title));
    for (const graph of graphs) expect([6, 8], graph.properties.title).toContain(graph.width);
  });

  it('puts each section under its own text header, in the order of the spec', () => {
    const sections = [...new Set(WIDGETS.map((w) => w.section))];
    const widgets = dashboardBody(synth.custom).widgets;
    expect(widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown)).toEqual(sections.map((section) => `## ${section}`));
    let section: string | undefined;
    for (const widget of widgets) {
      if (widget.type === 'text') {
        section = (widget.properties.markdown as string).replace(/^## /, '');
        expect(widget.width).toBe(24);
        continue;
      }
      const spec = WIDGETS.find((w) => w.title === widget.properties.title)!;
      expect(spec.section, widget.properties.title).toBe(section);
    }
  });

  it.each(WIDGETS.map((w) => [w.id, w] as [string, WidgetSpec]))('widget %s draws the metrics the spec lists, with its statistic', (_, spec) => {
    const metrics = drawn(widgetTitled(synth.custom, spec.title));
    const names = new Set(metrics.map((m) => m.name ?? /MetricName="(\w+)"/.exec(m.expression ?? '')?.[1]));
    const expected = new Set(spec.metrics.map((m) => (m.kind === 'app' ? m.name : m.metric)));
    expect(names).toEqual(expected);
    for (const m of metrics.filter((d) => d.stat)) expect(m.stat).toBe(spec.stat);
  });

  it('draws application metrics in the KeyAccounts namespace with service=KeyAccounts, one line per split value', () => {
    for (const spec of WIDGETS) {
      const metrics = drawn(widgetTitled(synth.custom, spec.title));
      for (const ref of spec.metrics) {
        if (ref.kind !== 'app' || ref.splitBy?.values.length === 0) continue;
        const lines = metrics.filter((m) => m.name === ref.name);
        for (const line of lines) expect(line.namespace).toBe(NAMESPACE);
        if (!ref.splitBy) {
          expect(lines.map((l) => l.dimensions)).toEqual([{ service: 'KeyAccounts' }]);
        } else {
          expect(lines.map((l) => l.dimensions)).toEqual(ref.splitBy.values.map((value) => ({ service: 'KeyAccounts', [ref.splitBy!.dimension]: value })));
        }
      }
    }
  });

  it('finds the regions of kWh ingested with a SEARCH over the region dimension', () => {
    const [line] = drawn(widgetTitled(synth.custom, 'kWh ingested by region'));
    expect(line!.expression).toBe(`SEARCH('{KeyAccounts,service,region} MetricName="KwhIngested" service="KeyAccounts"', 'Sum', 3600)`);
  });

  it('draws queue metrics of the stateful stack queues by logical id', () => {
    const depth = drawn(widgetTitled(synth.custom, 'Queue depth'));
    expect(depth.map((m) => [m.namespace, m.name, m.dimensions.QueueName])).toEqual(
      SECTION_QUEUES.map((queue) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', `<${queue}.QueueName>`]),
    );
    const age = drawn(widgetTitled(synth.custom, 'Age of oldest message (s)'));
    expect(age.map((m) => m.dimensions.QueueName)).toEqual(SECTION_QUEUES.map((queue) => `<${queue}.QueueName>`));
    const dlqs = drawn(widgetTitled(synth.custom, 'Dead-letter queues'));
    expect(dlqs.map((m) => m.dimensions.QueueName)).toEqual(['IngestDlq', 'ChunkDlq', 'StatementDlq', 'AlertDlq', 'NoticeDlq'].map((queue) => `<${queue}.QueueName>`));
  });

  it('draws one line per function in every Lambda widget (SendDigest included), Duration at p95', () => {
    const fns = functionIds(synth.custom);
    expect(fns).toContain('SendDigest');
    expect(fns).toContain('IngestChunks');
    expect(fns).toContain('ClassifyPopulation');
    expect(fns).toContain('ConsoleApi');
    expect(fns).toHaveLength(11);
    for (const spec of WIDGETS.filter((w) => w.section === 'Lambdas')) {
      const metrics = drawn(widgetTitled(synth.custom, spec.title));
      expect(metrics.map((m) => m.dimensions.FunctionName).sort(), spec.title).toEqual(fns.map((fn) => `<${fn}>`).sort());
      for (const m of metrics) expect(m.namespace).toBe('AWS/Lambda');
    }
    expect(drawn(widgetTitled(synth.custom, 'Duration p95 (ms)')).map((m) => m.stat)).toEqual(functionIds(synth.custom).map(() => 'p95'));
  });
});

describe('alarms', () => {
  it('alarm on application metrics as the spec says: ≥ threshold over its period, service=KeyAccounts', () => {
    const expected = { FilesQuarantined: [1, 3600], StatementsFailed: [5, 3600], EmailOutcomeUnknown: [1, 3600], StatementsUndelivered: [1, 86400], MessagesDeadLettered: [1, 3600], EmailBounces: [5, 86400] };
    expect(Object.fromEntries(APP_ALARMS.map((spec) => [spec.metric, [spec.threshold, spec.periodMinutes * 60]]))).toEqual(expected);
    for (const spec of APP_ALARMS) {
      const [, alarm] = only(
        alarms(synth.custom).filter(([, a]) => a.Properties.Namespace === NAMESPACE && a.Properties.MetricName === spec.metric),
        `${spec.metric} alarms`,
      );
      expect(alarm.Properties).toMatchObject({
        Dimensions: [{ Name: 'service', Value: 'KeyAccounts' }],
        Statistic: spec.statistic,
        Period: spec.periodMinutes * 60,
        Threshold: spec.threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: spec.description,
      });
    }
  });

  it('alarms when at least 5% of a day’s statements bounce, without dividing by zero', () => {
    expect(RATE_ALARMS.map((r) => [r.numerator, r.denominator, r.thresholdPercent, r.periodMinutes])).toEqual([['EmailBounces', 'StatementsSent', 5, 1440]]);
    const [, alarm] = only(
      alarms(synth.custom).filter(([, a]) => (a.Properties.Metrics as Json[] | undefined)?.some((m) => m.MetricStat?.Metric.MetricName === 'EmailBounces')),
      'bounce rate alarms',
    );
    const metrics = alarm.Properties.Metrics as Json[];
    const expression = only(
      metrics.filter((m) => m.Expression),
      'expressions',
    );
    expect(expression).toMatchObject({ Expression: 'IF(statementsSent > 0, 100 * emailBounces / statementsSent, 0)', ReturnData: true });
    const inputs = Object.fromEntries(metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat]));
    expect(inputs).toEqual({
      emailBounces: { Metric: { Namespace: 'KeyAccounts', MetricName: 'EmailBounces', Dimensions: [{ Name: 'service', Value: 'KeyAccounts' }] }, Period: 86400, Stat: 'Sum' },
      statementsSent: { Metric: { Namespace: 'KeyAccounts', MetricName: 'StatementsSent', Dimensions: [{ Name: 'service', Value: 'KeyAccounts' }] }, Period: 86400, Stat: 'Sum' },
    });
    expect(alarm.Properties).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
  });

  it('alarms on each function’s error rate: errors / invocations ≥ 5% over 15 minutes', () => {
    const fns = functionIds(synth.custom);
    const rateAlarms = alarms(synth.custom).filter(([, a]) => (a.Properties.Metrics as Json[] | undefined)?.some((m) => m.MetricStat?.Metric.MetricName === 'Invocations'));
    const byFunction = new Map(rateAlarms.map(([, a]) => [(a.Properties.Metrics as Json[]).find((m) => m.Id === 'errors')!.MetricStat.Metric.Dimensions[0].Value.Ref as string, a]));
    expect([...byFunction.keys()].sort()).toEqual([...fns].sort());
    expect(rateAlarms).toHaveLength(fns.length);
    for (const [fn, alarm] of byFunction) {
      const metrics = alarm.Properties.Metrics as Json[];
      expect(metrics.find((m) => m.Expression)).toMatchObject({ Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)', ReturnData: true });
      for (const [id, name] of [['errors', 'Errors'], ['invocations', 'Invocations']] as const) {
        expect(metrics.find((m) => m.Id === id)).toMatchObject({
          ReturnData: false,
          MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: name, Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }] }, Period: 900, Stat: 'Sum' },
        });
      }
      expect(alarm.Properties, fn).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    }
  });

  it('keeps the dead-letter alarms, SendDigestDlq and ClassifyDlq included', () => {
    const queues = alarms(synth.custom)
      .filter(([, a]) => a.Properties.Namespace === 'AWS/SQS')
      .map(([, a]) => synth.custom.render(a.Properties.Dimensions[0].Value))
      .sort();
    expect(queues).toEqual(
      ['AlertDlq', 'ChunkDlq', 'ClassifyDlq', 'IngestDlq', 'NoticeDlq', 'RunStatementsDlq', 'ScanArrearsDlq', 'SendDigestDlq', 'SesFeedbackDlq', 'StatementDlq'].map((q) => `<${q}.QueueName>`),
    );
  });

  it('sends every alarm, and its all-clear, to the alarm topic only', () => {
    const topic = alarmTopicId(synth.custom);
    const all = alarms(synth.custom);
    // 10 DLQs, SendNotice errors, the console API's 5xx, the application alarms, the bounce rate, one error rate per function.
    expect(all).toHaveLength(10 + 1 + 1 + APP_ALARMS.length + RATE_ALARMS.length + functionIds(synth.custom).length);
    const [, serverErrors] = all.find(([id]) => id.startsWith('ConsoleApiServerErrorsAlarm'))!;
    expect(serverErrors.Properties).toMatchObject({ MetricName: '5xx', Namespace: 'AWS/ApiGateway', Threshold: 5 });
    for (const [id, alarm] of all) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.OKActions, id).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.AlarmName, id).toBeUndefined();
    }
  });
});

describe('account-manager digest schedule', () => {
  function digestSchedule(s: Synthesized): Json {
    return only(
      resourcesOfType(s.statelessJson, 'AWS::Scheduler::Schedule').filter(([, sc]) => sc.Properties.Target.Arn['Fn::GetAtt']?.[0] === 'SendDigest'),
      'digest schedules',
    )[1].Properties;
  }

  it('fires at the configured cron in the business time zone, with no flexible window', () => {
    expect(digestSchedule(synth.custom)).toMatchObject({
      ScheduleExpression: 'cron(30 7 ? * FRI *)',
      ScheduleExpressionTimezone: 'Asia/Urumqi',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    expect(digestSchedule(synth.custom).Name).toBeUndefined();
  });

  it('defaults to 08:00 on Mondays in Asia/Shanghai', () => {
    expect(digestSchedule(synth.defaults)).toMatchObject({ ScheduleExpression: 'cron(0 8 ? * MON *)', ScheduleExpressionTimezone: 'Asia/Shanghai' });
  });

  it('invokes SendDigest with {"weekEnding":"today"}, dead-lettering to SendDigestDlq', () => {
    const target = digestSchedule(synth.custom).Target;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['SendDigest', 'Arn'] });
    expect(JSON.parse(target.Input as string)).toEqual({ weekEnding: 'today' });
    expect(synth.custom.render(target.DeadLetterConfig.Arn)).toBe('<SendDigestDlq.Arn>');
  });

  it('uses its own role, assumed only by Scheduler, that can invoke SendDigest only; nothing else may invoke it', () => {
    const roleId = digestSchedule(synth.custom).Target.RoleArn['Fn::GetAtt'][0] as string;
    const otherRoles = resourcesOfType(synth.custom.statelessJson, 'AWS::Scheduler::Schedule')
      .map(([, sc]) => sc.Properties.Target.RoleArn['Fn::GetAtt'][0] as string)
      .filter((id) => id !== roleId);
    expect(otherRoles).toHaveLength(3);

    expectSchedulerRoleInvokesOnly(synth.custom, roleId, 'SendDigest', 'SendDigestDlq');
  });
});

describe('population classification job (ClassifyPopulation)', () => {
  function classifySchedule(s: Synthesized): Json {
    return only(
      resourcesOfType(s.statelessJson, 'AWS::Scheduler::Schedule').filter(([, sc]) => sc.Properties.Target.Arn['Fn::GetAtt']?.[0] === 'ClassifyPopulation'),
      'classification schedules',
    )[1].Properties;
  }

  it('looks for changes every 5 minutes by default, or as configured, with no flexible window', () => {
    expect(classifySchedule(synth.defaults)).toMatchObject({ ScheduleExpression: DEFAULTS.classifySchedule, FlexibleTimeWindow: { Mode: 'OFF' }, State: 'ENABLED' });
    expect(DEFAULTS.classifySchedule).toBe('cron(0/5 * * * ? *)');
    expect(classifySchedule(synth.custom)).toMatchObject({ ScheduleExpression: 'cron(0/15 * * * ? *)', ScheduleExpressionTimezone: 'Asia/Urumqi' });
  });

  it('is invoked with {} through its own role, failed runs kept in ClassifyDlq; holds every profile in memory', () => {
    const target = classifySchedule(synth.custom).Target;
    expect(JSON.parse(target.Input as string)).toEqual({});
    expect(synth.custom.render(target.DeadLetterConfig.Arn)).toBe('<ClassifyDlq.Arn>');
    expectSchedulerRoleInvokesOnly(synth.custom, target.RoleArn['Fn::GetAtt'][0] as string, 'ClassifyPopulation', 'ClassifyDlq');
    expectFailuresKeptIn(synth.custom, 'ClassifyPopulation', 'ClassifyDlq');
    const fn = synth.custom.statelessJson.Resources.ClassifyPopulation;
    expect(fn.Metadata['kam:entry']).toBe('functions/classify-population.ts');
    expect(fn.Properties).toMatchObject({ MemorySize: 3008, Timeout: 300 });
    // One writer by the lease on the marker item, not by reserved concurrency.
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('is the only function that writes PEERS, and ingest may not', () => {
    for (const fn of functionIds(synth.custom)) {
      const writesPeers = synth.custom
        .statementsOf(fn)
        .some((st) => list(st.Action).some((a) => TABLE_WRITES.includes(a)) && JSON.stringify(st.Condition ?? {}).includes('"PEERS"'));
      expect(writesPeers, fn).toBe(fn === 'ClassifyPopulation');
    }
  });
});

describe('SendDigest', () => {
  const fnProps = (s: Synthesized): Json => s.statelessJson.Resources.SendDigest.Properties;
  const configSetId = (s: Synthesized): string => only(resourcesOfType(s.statelessJson, 'AWS::SES::ConfigurationSet'), 'configuration sets')[0];

  it('runs functions/send-digest.ts on Node 24, ARM64, 512 MB, 5 minutes, traced', () => {
    expect(synth.custom.statelessJson.Resources.SendDigest.Metadata['kam:entry']).toBe('functions/send-digest.ts');
    expect(fnProps(synth.custom)).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 512, Timeout: 300, TracingConfig: { Mode: 'Active' } });
    expect(fnProps(synth.custom).FunctionName).toBeUndefined();
  });

  it('gets the table, the sender, the configuration set and the business time zone, and nothing else', () => {
    const env = fnProps(synth.custom).Environment.Variables as Json;
    expect(synth.custom.render(env.TABLE_NAME)).toBe('<UsageTable>');
    expect(env.SES_CONFIGURATION_SET).toEqual({ Ref: configSetId(synth.custom) });
    expect(env).toMatchObject({ FROM_ADDRESS: 'billing@kam.example.cn', TIME_ZONE: 'Asia/Urumqi', POWERTOOLS_SERVICE_NAME: 'KeyAccounts' });
    expect(Object.keys(env).filter((k) => !/^(NODE_OPTIONS|POWERTOOLS_)/.test(k)).sort()).toEqual(['FROM_ADDRESS', 'SES_CONFIGURATION_SET', 'TABLE_NAME', 'TIME_ZONE']);
  });

  it('may send mail only as the configured identity, through the configuration set, from the configured address', () => {
    const statement = only(
      synth.custom.statementsOf('SendDigest').filter((st) => list(st.Action).some((a) => /^ses:|^sesv2:/i.test(a))),
      'SES statements',
    );
    expect(statement.Effect).toBe('Allow');
    expect(list(statement.Action).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(list(statement.Resource).map(synth.custom.render).sort()).toEqual([
      `arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set/<${configSetId(synth.custom)}>`,
      'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/kam.example.cn',
    ]);
    expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'billing@kam.example.cn' } });
  });

  it('reads customer items and queries bySegment only', () => {
    const statements = synth.custom.statementsOf('SendDigest');
    expect(resourcesFor(synth.custom.render, statements, 'dynamodb:BatchGetItem')).toEqual(['<UsageTable.Arn>']);
    expect(resourcesFor(synth.custom.render, statements, 'dynamodb:Query')).toEqual(['<UsageTable.Arn>', '<UsageTable.Arn>/index/bySegment']);
  });

  it('cannot write the table, except its own DIGEST# ledger items (put/update only, never delete)', () => {
    const statements = synth.custom.statementsOf('SendDigest');
    const writes = statements.filter((st) => st.Effect === 'Allow' && list(st.Action).some((a) => TABLE_WRITES.includes(a) || /^dynamodb:\*$|^\*$/.test(a)));
    const ledger = only(writes, 'statements granting a table write');
    expect(list(ledger.Action).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(list(ledger.Resource).map(synth.custom.render)).toEqual(['<UsageTable.Arn>']);
    expect(ledger.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DIGEST#*'] } });
    expect(allowedActions(statements).filter((a) => /^dynamodb:(DeleteItem|BatchWriteItem|PartiQL)/.test(a))).toEqual([]);
  });

  it('sends only to its failure queue, touches no bucket, consumes no queue', () => {
    const statements = synth.custom.statementsOf('SendDigest');
    expect(resourcesFor(synth.custom.render, statements, 'sqs:SendMessage')).toEqual(['<SendDigestDlq.Arn>']);
    expect(allowedActions(statements).filter((a) => /^s3:|^sqs:(ReceiveMessage|DeleteMessage|\*)$|^\*$/.test(a))).toEqual([]);
  });

  it('keeps a run that fails after 2 Lambda retries in SendDigestDlq, an SSE, SSL-only queue that keeps it 14 days', () => {
    expectFailuresKeptIn(synth.custom, 'SendDigest', 'SendDigestDlq');
    const dlq = synth.custom.statefulJson.Resources.SendDigestDlq;
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(dlq.Properties.QueueName).toBeUndefined();
    expect(synth.custom.statefulJson.Outputs.SendDigestDlqUrl.Value).toEqual({ Ref: 'SendDigestDlq' });
  });
});

describe('cdk-nag and names', () => {
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

  it('names no dashboard, alarm, schedule, role, queue or function', () => {
    const NAME_PROPERTIES: Record<string, string> = {
      'AWS::CloudWatch::Dashboard': 'DashboardName',
      'AWS::CloudWatch::Alarm': 'AlarmName',
      'AWS::Scheduler::Schedule': 'Name',
      'AWS::IAM::Role': 'RoleName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::Logs::LogGroup': 'LogGroupName',
    };
    for (const template of [synth.custom.statefulJson, synth.custom.statelessJson]) {
      for (const [id, resource] of Object.entries(template.Resources as Record<string, Json>)) {
        const nameProperty = NAME_PROPERTIES[resource.Type];
        if (nameProperty) expect(resource.Properties?.[nameProperty], `${id}.${nameProperty}`).toBeUndefined();
      }
    }
  });
});

describe('digest configuration', () => {
  const app = new App();

  it('defaults to Monday 08:00; cdk.json says the same', () => {
    expect(readAppConfig(app).digestSchedule).toBe('cron(0 8 ? * MON *)');
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json };
    expect(cdkJson.context).toMatchObject({ digestSchedule: DEFAULTS.digestSchedule });
  });

  it('reads the schedule given as a string (cdk -c)', () => {
    expect(readAppConfig(new App({ context: { digestSchedule: 'cron(0 7 ? * SUN *)' } })).digestSchedule).toBe('cron(0 7 ? * SUN *)');
  });

  it.each(['cron(0 8 * * MON *)', 'rate(7 days)', 'cron(0 8 ? *)'])('rejects %s', (digestSchedule) => {
    expect(() => readAppConfig(app, { digestSchedule })).toThrow(/digestSchedule/);
  });
});
