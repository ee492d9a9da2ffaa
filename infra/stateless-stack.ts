import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, TimeZone } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { ScheduleTargetBase, type ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import { ConfigurationSet, EmailIdentity, EmailSendingEvent, EventDestination, Identity, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  type AppConfig,
  INGEST_PREFIXES,
  INGEST_TIMEOUT,
  REJECTS_PREFIX,
  RUN_STATEMENTS_TIMEOUT,
  SCAN_ARREARS_TIMEOUT,
  SEND_ALERT_TIMEOUT,
  SEND_DIGEST_TIMEOUT,
  SEND_NOTICE_TIMEOUT,
  SEND_STATEMENT_TIMEOUT,
  TABLE_INDEXES,
} from './config.ts';
import { type EmailSender, KamFunction } from './constructs/kam-function.ts';
import { appMetric, errorRateMetric, OperationsDashboard, rateMetric } from './constructs/operations-dashboard.ts';
import { APP_ALARMS, RATE_ALARMS } from './dashboard-spec.ts';

/** The statement, alert and email settings of AppConfig. */
export type StatementSettings = Pick<
  AppConfig,
  | 'sesFromAddress'
  | 'sesIdentity'
  | 'createSesIdentity'
  | 'statementSchedule'
  | 'statementTimeZone'
  | 'maxSendRate'
  | 'statementConcurrency'
  | 'dueDays'
  | 'alertDemandShare'
  | 'alertBillIncrease'
>;

/** The arrears settings of AppConfig. */
export type ArrearsSettings = Pick<AppConfig, 'arrearsSchedule' | 'arrearsTimeZone' | 'noticeConcurrency'>;

/** The account-manager digest settings of AppConfig (its schedule is read in the business time zone). */
export type DigestSettings = Pick<AppConfig, 'digestSchedule'>;

export interface StatelessStackProps extends StackProps {
  bucket: IBucket;
  table: ITable;
  ingestQueue: IQueue;
  ingestDlq: IQueue;
  statementQueue: IQueue;
  statementDlq: IQueue;
  alertQueue: IQueue;
  alertDlq: IQueue;
  runStatementsDlq: IQueue;
  sesFeedbackDlq: IQueue;
  noticeQueue: IQueue;
  noticeDlq: IQueue;
  scanArrearsDlq: IQueue;
  sendDigestDlq: IQueue;
  statements: StatementSettings;
  arrears: ArrearsSettings;
  digest: DigestSettings;
  timeZone: string;
  quarantineShare: number;
  headerAliases?: Record<string, string[]>;
  alarmEmail?: string;
  /** Upper bound on concurrent ingest invocations, to protect the table's write capacity. */
  ingestMaxConcurrency?: number;
}

/** Functions, their triggers and alarms; replaceable at any time because it holds no data. */
export class StatelessStack extends Stack {
  readonly ingestReadings: KamFunction;
  readonly runStatements: KamFunction;
  readonly sendStatement: KamFunction;
  readonly sendAlert: KamFunction;
  readonly sesFeedback: KamFunction;
  readonly scanArrears: KamFunction;
  readonly sendNotice: KamFunction;
  readonly sendDigest: KamFunction;
  readonly statementSchedule: Schedule;
  readonly arrearsSchedule: Schedule;
  readonly digestSchedule: Schedule;
  readonly configurationSet: ConfigurationSet;
  readonly sesFeedbackTopic: Topic;
  readonly alarmTopic: Topic;
  readonly dashboard: OperationsDashboard;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);

    this.ingestReadings = new KamFunction(this, 'IngestReadings', {
      entry: 'functions/ingest-readings.ts',
      description: 'Parses, validates and aggregates uploaded files into daily usage; writes rejects/ reports',
      memorySize: 1024,
      timeout: INGEST_TIMEOUT,
      environment: {
        TIME_ZONE: props.timeZone,
        QUARANTINE_SHARE: String(props.quarantineShare),
        ALERT_DEMAND_SHARE: String(props.statements.alertDemandShare),
        ALERT_BILL_INCREASE: String(props.statements.alertBillIncrease),
        ...(props.headerAliases ? { HEADER_ALIASES: JSON.stringify(props.headerAliases) } : {}),
      },
    })
      .bindTable(props.table, {
        items: [
          // The file ledger's claim, a payment's reference guard, customer profiles and alert states.
          { actions: ['GetItem', 'PutItem'], keys: ['CUST#', 'FILE#', 'PAYREF#'] },
          { actions: ['UpdateItem'], keys: ['CUST#', 'FILE#'] },
          // Days, segments, tariffs and the peer-group figures, read and written in batches.
          { actions: ['BatchGetItem'], keys: ['CUST#', 'TARIFF#'] },
          { actions: ['BatchWriteItem'], keys: ['CUST#', 'TARIFF#', 'PEERS'] },
          { actions: ['Query'], keys: ['CUST#'] },
          // A file whose processing failed gives its claim back; a customer-day's meter items are written in one
          // transaction checked against the day's revision, and meters that moved out of the day item are removed.
          { actions: ['DeleteItem'], keys: ['CUST#', 'FILE#'] },
          { actions: ['ConditionCheckItem'], keys: ['CUST#'] },
        ],
        indexes: [TABLE_INDEXES.bySegment.name],
      })
      .bindBucket(props.bucket, { read: INGEST_PREFIXES, write: [REJECTS_PREFIX] })
      // Ingest only raises alerts; mailing them is SendAlert's, so ingest holds no SES permission.
      .bindQueue(props.alertQueue, 'send', 'ALERT_QUEUE_URL');
    this.ingestReadings.function.addEventSource(
      new SqsEventSource(props.ingestQueue, {
        batchSize: 5,
        reportBatchItemFailures: true,
        maxConcurrency: props.ingestMaxConcurrency ?? 10,
      }),
    );

    const mail = this.email(props.statements);

    this.runStatements = new KamFunction(this, 'RunStatements', {
      entry: 'functions/run-statements.ts',
      description: 'Monthly: records the statement run and enqueues one statement job per key account',
      memorySize: 512,
      timeout: RUN_STATEMENTS_TIMEOUT,
      environment: { TIME_ZONE: props.timeZone },
    })
      // Lists the customers; everything else is the workers'.
      .bindTable(props.table, { indexes: [TABLE_INDEXES.bySegment.name] })
      .bindQueue(props.statementQueue, 'send', 'STATEMENT_QUEUE_URL');
    // Scheduler invokes asynchronously: a run that still fails after Lambda's retries is kept, not dropped.
    this.runStatements.function.configureAsyncInvoke({ onFailure: new SqsDestination(props.runStatementsDlq), retryAttempts: 2 });
    this.statementSchedule = this.schedule('Statement', this.runStatements.function, {
      description: 'Monthly statements for the previous month',
      roleDescription: 'Lets the monthly statement schedule invoke RunStatements',
      expression: props.statements.statementSchedule,
      timeZone: props.statements.statementTimeZone,
      input: { period: 'previous' },
      // Undeliverable runs (e.g. the function throttled for a day) land here; RunStatements' own failures too.
      deadLetterQueue: props.runStatementsDlq,
    });

    this.sendStatement = new KamFunction(this, 'SendStatement', {
      entry: 'functions/send-statement.ts',
      description: 'Builds, stores and emails one key account\'s monthly statement, exactly once',
      memorySize: 512,
      timeout: SEND_STATEMENT_TIMEOUT,
      environment: {
        TIME_ZONE: props.timeZone,
        MAX_SEND_RATE: String(props.statements.maxSendRate),
        DUE_DAYS: String(props.statements.dueDays),
      },
    })
      .bindTable(props.table, {
        items: [
          // The customer and whether its address is suppressed; its days, tariff and peers; its earlier statements.
          { actions: ['GetItem'], keys: ['CUST#', 'SUPPRESS#'] },
          { actions: ['BatchGetItem'], keys: ['CUST#', 'TARIFF#', 'PEERS'] },
          { actions: ['Query'], keys: ['CUST#'] },
          // The statement item, its outbox claim and the superseded version's flag.
          { actions: ['PutItem', 'UpdateItem'], keys: ['CUST#'] },
        ],
      })
      .bindEmail(mail.sender);
    this.sendStatement.function.addEventSource(
      new SqsEventSource(props.statementQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // With MAX_SEND_RATE per worker this caps the account's SES send rate.
        maxConcurrency: props.statements.statementConcurrency,
      }),
    );

    this.sendAlert = new KamFunction(this, 'SendAlert', {
      entry: 'functions/send-alert.ts',
      description: 'Emails a demand or bill-increase alert to the account manager, once per alert',
      timeout: SEND_ALERT_TIMEOUT,
      environment: { TIME_ZONE: props.timeZone },
    })
      .bindTable(props.table, {
        items: [
          { actions: ['GetItem'], keys: ['CUST#', 'SUPPRESS#'] },
          { actions: ['BatchGetItem'], keys: ['CUST#'] },
          // The alert's outbox state on the customer's alert item.
          { actions: ['UpdateItem'], keys: ['CUST#'] },
        ],
      })
      .bindEmail(mail.sender);
    this.sendAlert.function.addEventSource(new SqsEventSource(props.alertQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 2 }));

    this.sesFeedback = new KamFunction(this, 'SesFeedback', {
      entry: 'functions/ses-feedback.ts',
      description: 'Suppresses bounced or complaining addresses and tells the account manager',
    })
      .bindTable(props.table, {
        items: [
          { actions: ['PutItem'], keys: ['SUPPRESS#'] },
        ],
        // Finds the customers (and so the account managers) behind a bouncing address.
        indexes: [TABLE_INDEXES.bySegment.name],
      })
      .bindEmail(mail.sender);
    this.sesFeedback.function.configureAsyncInvoke({ onFailure: new SqsDestination(props.sesFeedbackDlq), retryAttempts: 2 });
    this.scanArrears = new KamFunction(this, 'ScanArrears', {
      entry: 'functions/scan-arrears.ts',
      description: 'Daily: finds overdue statements and enqueues the notice each has reached',
      memorySize: 512,
      timeout: SCAN_ARREARS_TIMEOUT,
      environment: { TIME_ZONE: props.timeZone },
    })
      .bindTable(props.table, {
        // Reads statements, payments and notices of each customer; records each decided notice before queueing it.
        items: [{ actions: ['BatchGetItem', 'Query', 'PutItem'], keys: ['CUST#'] }],
        indexes: [TABLE_INDEXES.bySegment.name],
      })
      // Scanning only decides which notices are due; mailing them is SendNotice's, so the scan holds no SES permission.
      .bindQueue(props.noticeQueue, 'send', 'NOTICE_QUEUE_URL');
    this.scanArrears.function.configureAsyncInvoke({ onFailure: new SqsDestination(props.scanArrearsDlq), retryAttempts: 2 });
    this.arrearsSchedule = this.schedule('Arrears', this.scanArrears.function, {
      description: 'Daily arrears scan: reminders, overdue and final notices',
      roleDescription: 'Lets the daily arrears schedule invoke ScanArrears',
      expression: props.arrears.arrearsSchedule,
      timeZone: props.arrears.arrearsTimeZone,
      input: { asOf: 'today' },
      deadLetterQueue: props.scanArrearsDlq,
      // A scan still undelivered after 12 hours is better kept (and alarmed on) than run into the next day's.
      maxEventAge: Duration.hours(12),
    });

    this.sendNotice = new KamFunction(this, 'SendNotice', {
      entry: 'functions/send-notice.ts',
      description: 'Records and emails one arrears notice stage of one statement, exactly once',
      memorySize: 512,
      timeout: SEND_NOTICE_TIMEOUT,
      environment: { TIME_ZONE: props.timeZone },
    })
      .bindTable(props.table, {
        items: [
          { actions: ['GetItem'], keys: ['CUST#', 'SUPPRESS#'] },
          { actions: ['BatchGetItem', 'Query'], keys: ['CUST#'] },
          // The notice (proof of notice) and its phone-call task.
          { actions: ['PutItem', 'UpdateItem'], keys: ['CUST#'] },
        ],
      })
      .bindEmail(mail.sender);
    this.sendNotice.function.addEventSource(
      new SqsEventSource(props.noticeQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: props.arrears.noticeConcurrency,
      }),
    );

    this.sendDigest = new KamFunction(this, 'SendDigest', {
      entry: 'functions/send-digest.ts',
      description: 'Weekly: emails each account manager the segment moves and arrears risks of their customers',
      memorySize: 512,
      timeout: SEND_DIGEST_TIMEOUT,
      environment: { TIME_ZONE: props.timeZone },
    })
      .bindTable(props.table, {
        items: [
          { actions: ['BatchGetItem', 'Query'], keys: ['CUST#'] },
          // Its only writes: one DIGEST# ledger item per manager and week, claimed before the email goes out.
          { actions: ['GetItem', 'PutItem', 'UpdateItem'], keys: ['DIGEST#'] },
        ],
        indexes: [TABLE_INDEXES.bySegment.name],
      })
      .bindEmail(mail.sender);
    this.sendDigest.function.configureAsyncInvoke({ onFailure: new SqsDestination(props.sendDigestDlq), retryAttempts: 2 });
    this.digestSchedule = this.schedule('Digest', this.sendDigest.function, {
      description: 'Weekly account-manager digest: segment moves and arrears risks of the past week',
      roleDescription: 'Lets the weekly digest schedule invoke SendDigest',
      expression: props.digest.digestSchedule,
      // The business zone: "Monday 08:00" is the account managers' Monday morning.
      timeZone: props.timeZone,
      input: { weekEnding: 'today' },
      deadLetterQueue: props.sendDigestDlq,
    });

    this.configurationSet = mail.configurationSet;
    this.sesFeedbackTopic = mail.feedbackTopic;
    this.sesFeedbackTopic.addSubscription(new LambdaSubscription(this.sesFeedback.function));

    // CloudWatch must be able to use the key to publish alarm notifications to the encrypted topic.
    const alarmKey = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts operator alarm notifications',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    alarmKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'AlarmTopic', { masterKey: alarmKey, enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    this.alarmOnDeadLetters('IngestDlqAlarm', props.ingestDlq, 'An uploaded file failed ingestion 5 times and waits in the ingest dead-letter queue');
    this.alarmOnDeadLetters('StatementDlqAlarm', props.statementDlq, 'A statement job failed 5 times and waits in the statement dead-letter queue');
    this.alarmOnDeadLetters('AlertDlqAlarm', props.alertDlq, 'An alert failed 5 times and waits in the alert dead-letter queue');
    this.alarmOnDeadLetters('RunStatementsDlqAlarm', props.runStatementsDlq, 'A monthly statement run was not delivered or failed; re-run it for its period');
    this.alarmOnDeadLetters('SesFeedbackDlqAlarm', props.sesFeedbackDlq, 'A bounce or complaint could not be recorded; the address is not suppressed yet');
    this.alarmOnDeadLetters('NoticeDlqAlarm', props.noticeDlq, 'An arrears notice failed 5 times and waits in the notice dead-letter queue');
    this.alarmOnDeadLetters('ScanArrearsDlqAlarm', props.scanArrearsDlq, 'A daily arrears scan was not delivered or failed; re-run it for that day');
    this.alarmOnDeadLetters('SendDigestDlqAlarm', props.sendDigestDlq, 'A weekly account-manager digest run was not delivered or failed; re-run it for that week');
    // Notices are dunning letters: a failing sender is worth knowing about before its messages reach the DLQ.
    this.alarmOn(
      'SendNoticeErrorsAlarm',
      this.sendNotice.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'SendNotice failed at least once in 5 minutes; notices are being retried and may reach the notice dead-letter queue',
    );

    // Every function of this stack, found rather than listed, so a new one is on the dashboard and alarmed on.
    const functions = this.node.findAll().filter((construct): construct is KamFunction => construct instanceof KamFunction);
    this.dashboard = new OperationsDashboard(this, 'OperationsDashboard', {
      queues: {
        IngestQueue: props.ingestQueue,
        IngestDlq: props.ingestDlq,
        StatementQueue: props.statementQueue,
        StatementDlq: props.statementDlq,
        AlertQueue: props.alertQueue,
        AlertDlq: props.alertDlq,
        NoticeQueue: props.noticeQueue,
        NoticeDlq: props.noticeDlq,
      },
      functions,
    });
    for (const spec of APP_ALARMS) {
      this.alarmOn(`${spec.id}Alarm`, appMetric(spec.metric, { statistic: spec.statistic, period: Duration.minutes(spec.periodMinutes) }), spec.description, spec.threshold);
    }
    for (const spec of RATE_ALARMS) this.alarmOn(`${spec.id}Alarm`, rateMetric(spec), spec.description, spec.thresholdPercent);
    for (const fn of functions) {
      this.alarmOn(
        `${fn.node.id}ErrorRateAlarm`,
        errorRateMetric(fn, Duration.minutes(15)),
        `At least 5% of the invocations of ${fn.node.id} failed in 15 minutes; see its log group and traces`,
        5,
      );
    }

    new CfnOutput(this, 'IngestReadingsFunctionName', { value: this.ingestReadings.function.functionName });
    new CfnOutput(this, 'RunStatementsFunctionName', { value: this.runStatements.function.functionName });
    new CfnOutput(this, 'SendStatementFunctionName', { value: this.sendStatement.function.functionName });
    new CfnOutput(this, 'SendAlertFunctionName', { value: this.sendAlert.function.functionName });
    new CfnOutput(this, 'SesFeedbackFunctionName', { value: this.sesFeedback.function.functionName });
    new CfnOutput(this, 'ScanArrearsFunctionName', { value: this.scanArrears.function.functionName });
    new CfnOutput(this, 'SendNoticeFunctionName', { value: this.sendNotice.function.functionName });
    new CfnOutput(this, 'SendDigestFunctionName', { value: this.sendDigest.function.functionName });
    new CfnOutput(this, 'OperationsDashboardName', { value: this.dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'StatementsConfigSetName', { value: this.configurationSet.configurationSetName });
    new CfnOutput(this, 'SesFeedbackTopicArn', { value: this.sesFeedbackTopic.topicArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  /**
   * The sending side of SES: the identity (created here only on request; either way it must be verified before
   * mail goes out), a configuration set with reputation metrics whose bounces and complaints go to an encrypted topic.
   */
  private email(settings: StatementSettings): { sender: EmailSender; configurationSet: ConfigurationSet; feedbackTopic: Topic } {
    const identityArn = this.formatArn({ service: 'ses', resource: 'identity', resourceName: settings.sesIdentity });
    if (settings.createSesIdentity) {
      const isAddress = settings.sesIdentity.includes('@');
      const identity = new EmailIdentity(this, 'SesIdentity', {
        identity: isAddress ? Identity.email(settings.sesIdentity) : Identity.domain(settings.sesIdentity),
      });
      // Re-creating a domain identity issues new DKIM tokens, i.e. new DNS records; keep it across stack changes.
      identity.applyRemovalPolicy(RemovalPolicy.RETAIN);
      if (!isAddress) {
        identity.dkimRecords.forEach((record, i) => {
          new CfnOutput(this, `SesDkimRecord${i + 1}`, { value: Fn.join(' ', [record.name, 'CNAME', record.value]), description: 'Add to DNS to verify the SES domain' });
        });
      }
    }

    const feedbackKey = new Key(this, 'SesFeedbackTopicKey', {
      description: 'Encrypts SES bounce and complaint notifications',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // SES encrypts what it publishes; the topic policy admits only this account's configuration set.
    feedbackKey.grant(new ServicePrincipal('ses.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const feedbackTopic = new Topic(this, 'SesFeedbackTopic', { masterKey: feedbackKey, enforceSSL: true });

    const configurationSet = new ConfigurationSet(this, 'StatementsConfigSet', {
      reputationMetrics: true,
      // SES itself stops mailing addresses that bounced or complained, even before SesFeedback records them.
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.snsTopic(feedbackTopic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    return { sender: { identityArn, fromAddress: settings.sesFromAddress, configurationSet }, configurationSet, feedbackTopic };
  }

  /**
   * An EventBridge Scheduler schedule (`<name>Schedule`) in the given zone, with no flexible window, that invokes one
   * function with a fixed input, through its own role (`<name>SchedulerRole`) that may invoke that function only.
   */
  private schedule(name: string, target: IFunction, options: ScheduleOptions): Schedule {
    // Own role, assumable only by Scheduler for this account's default schedule group (confused-deputy guard).
    const role = new Role(this, `${name}SchedulerRole`, {
      description: options.roleDescription,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': this.account,
            'aws:SourceArn': this.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
    return new Schedule(this, `${name}Schedule`, {
      description: options.description,
      schedule: ScheduleExpression.expression(options.expression, TimeZone.of(options.timeZone)),
      timeWindow: TimeWindow.off(),
      target: new InvokeFunctionOnly(target, {
        role,
        input: ScheduleTargetInput.fromObject(options.input),
        deadLetterQueue: options.deadLetterQueue,
        ...(options.maxEventAge ? { maxEventAge: options.maxEventAge } : {}),
      }),
    });
  }

  private alarmOnDeadLetters(id: string, queue: IQueue, description: string): void {
    this.alarmOn(id, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), description);
  }

  /** Alarm (and all-clear) to the operators' topic as soon as the metric reaches `threshold` (≥) in one period. */
  private alarmOn(id: string, metric: IMetric, description: string, threshold = 1): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    alarm.addOkAction(new SnsAction(this.alarmTopic));
  }
}

interface ScheduleOptions {
  description: string;
  roleDescription: string;
  /** `cron(...)`, read in `timeZone`. */
  expression: string;
  timeZone: string;
  /** The event the function receives. */
  input: Record<string, unknown>;
  /** Where Scheduler puts invocations it could not deliver after its retries. */
  deadLetterQueue: IQueue;
  /** How long Scheduler keeps retrying an undelivered invocation (its default: 24 hours). */
  maxEventAge?: Duration;
}

/** LambdaInvoke grants `<function>:*` (every version and alias) as well; Scheduler calls the unqualified function only. */
class InvokeFunctionOnly extends ScheduleTargetBase {
  private readonly target: IFunction;

  constructor(target: IFunction, props: ScheduleTargetBaseProps) {
    super(props, target.functionArn);
    this.target = target;
  }

  protected addTargetActionToRole(role: IRole): void {
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }));
  }
}
