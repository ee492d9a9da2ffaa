import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, type HttpStage, HttpMethod, LogGroupLogDestination, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPoolClient, UserPool, UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { ConfigurationSet, EmailIdentity, EmailSendingEvent, EventDestination, Identity, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { AnomalyConfig, FileLimits, ForecastConfig } from '../domain/config.ts';
import { ENV, STATELESS_OUTPUTS, TABLE } from '../contracts/settings.ts';
import { type AppConfig, CLASSIFY_TIMEOUT, INGEST_PREFIXES, REJECTS_PREFIX, RUN_STATEMENTS_TIMEOUT, SCAN_ARREARS_TIMEOUT, SEND_DIGEST_TIMEOUT, STAGING_PREFIX } from './config.ts';
import { alarmOn, alarmOnDeadLetters } from './constructs/alarms.ts';
import { type EmailSender, type ItemGrant, KamFunction } from './constructs/kam-function.ts';
import { appMetric, errorRateMetric, OperationsDashboard, rateMetric } from './constructs/operations-dashboard.ts';
import { QueueWorker } from './constructs/queue-worker.ts';
import { ScheduledJob } from './constructs/scheduled-job.ts';
import { ConsoleSite } from './constructs/console-site.ts';
import type { IWorkQueue } from './constructs/work-queue.ts';
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

/** The console API settings of AppConfig. */
export type ConsoleApiSettings = Pick<AppConfig, 'consoleThrottleRate' | 'consoleThrottleBurst' | 'consoleWaf' | 'consoleWebAclArn' | 'consoleDomain'>;

/** The arrears settings of AppConfig. */
export type ArrearsSettings = Pick<AppConfig, 'arrearsSchedule' | 'arrearsTimeZone' | 'noticeConcurrency'>;

/** How often the population classification job looks for changes (read in the business time zone). */
export type ClassifySettings = Pick<AppConfig, 'classifySchedule'>;

/** The account-manager digest settings of AppConfig (its schedule is read in the business time zone). */
export type DigestSettings = Pick<AppConfig, 'digestSchedule'>;

export interface StatelessStackProps extends StackProps {
  bucket: IBucket;
  table: ITable;
  ingestQueue: IWorkQueue;
  chunkQueue: IWorkQueue;
  statementQueue: IWorkQueue;
  alertQueue: IWorkQueue;
  noticeQueue: IWorkQueue;
  runStatementsDlq: IQueue;
  sesFeedbackDlq: IQueue;
  scanArrearsDlq: IQueue;
  sendDigestDlq: IQueue;
  classifyDlq: IQueue;
  /** The console's user pool and app client (stateful stack): the API's token issuer and audience. */
  userPool: UserPool;
  userPoolClient: IUserPoolClient;
  /** The managed login's domain: the web UI signs in there (authorization code + PKCE). */
  userPoolDomain: UserPoolDomain;
  console: ConsoleApiSettings;
  statements: StatementSettings;
  arrears: ArrearsSettings;
  digest: DigestSettings;
  classify: ClassifySettings;
  timeZone: string;
  quarantineShare: number;
  /** File limits that differ from the function's defaults. */
  fileLimits?: Partial<FileLimits>;
  headerAliases?: Record<string, string[]>;
  /** Overrides of the anomaly thresholds and forecast settings (validated in infra/config.ts), for the ingest functions. */
  anomalySettings?: Partial<AnomalyConfig>;
  forecastSettings?: Partial<ForecastConfig>;
  applyMultiplier?: boolean;
  /** Daily frozen register readings are dated by the day they close. */
  frozenReadingAt?: 'day-end';
  alarmEmail?: string;
  /** Upper bound on concurrent ingest invocations, to protect the table's write capacity. */
  ingestMaxConcurrency?: number;
}

/** Functions, their triggers and alarms; replaceable at any time because it holds no data. */
export class StatelessStack extends Stack {
  readonly ingestReadings: QueueWorker;
  readonly ingestChunks: QueueWorker;
  readonly runStatements: ScheduledJob;
  readonly sendStatement: QueueWorker;
  readonly sendAlert: QueueWorker;
  readonly sesFeedback: KamFunction;
  readonly scanArrears: ScheduledJob;
  readonly sendNotice: QueueWorker;
  readonly sendDigest: ScheduledJob;
  readonly classifyPopulation: ScheduledJob;
  /** The console's API function, behind `consoleHttpApi`. */
  readonly consoleApi: KamFunction;
  readonly consoleHttpApi: HttpApi;
  readonly consoleStage: HttpStage;
  /** The console's web UI (S3 + CloudFront), which also fronts the API under /api/. */
  readonly consoleSite: ConsoleSite;
  readonly configurationSet: ConfigurationSet;
  readonly sesFeedbackTopic: Topic;
  readonly alarmTopic: Topic;
  readonly dashboard: OperationsDashboard;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);

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
    const alarmTopic = this.alarmTopic;

    const ingestEnvironment = {
      [ENV.timeZone]: props.timeZone,
      [ENV.quarantineShare]: String(props.quarantineShare),
      [ENV.alertDemandShare]: String(props.statements.alertDemandShare),
      [ENV.alertBillIncrease]: String(props.statements.alertBillIncrease),
      ...(props.headerAliases ? { [ENV.headerAliases]: JSON.stringify(props.headerAliases) } : {}),
      ...(props.anomalySettings ? { [ENV.anomalySettings]: JSON.stringify(props.anomalySettings) } : {}),
      ...(props.forecastSettings ? { [ENV.forecastSettings]: JSON.stringify(props.forecastSettings) } : {}),
      ...(props.applyMultiplier ? { [ENV.applyMultiplier]: 'true' } : {}),
      ...(props.frozenReadingAt ? { [ENV.frozenReadingAt]: props.frozenReadingAt } : {}),
      ...Object.fromEntries(Object.entries(props.fileLimits ?? {}).map(([key, value]) => [ENV[key as keyof FileLimits], String(value)])),
    };
    // What applying readings takes: IngestReadings for a whole file, IngestChunks for a fanned-out one's partitions.
    const applyReadings: ItemGrant[] = [
      // The file ledger's claim, a payment's reference guard, customer profiles and alert states; the population
      // marker (its latest day).
      { actions: ['GetItem'], keys: ['CUST#', 'FILE#', 'PAYREF#', 'POPULATION'] },
      { actions: ['PutItem'], keys: ['CUST#', 'FILE#', 'PAYREF#'] },
      // The file's outcome, customer master data, features and insights (forecast, anomalies) on the profile, anomaly
      // episodes and forecast snapshots; "population changed" on the marker. PutItem on CUST# also opens an anomaly's task.
      { actions: ['UpdateItem'], keys: ['CUST#', 'FILE#', 'POPULATION'] },
      // Days and tariffs, read and written in batches (segments and peer figures are the population job's); the peer
      // groups' median day is read for the anomalies' evidence.
      { actions: ['BatchGetItem'], keys: ['CUST#', 'TARIFF#', 'PEERS'] },
      { actions: ['BatchWriteItem'], keys: ['CUST#', 'TARIFF#'] },
      { actions: ['Query'], keys: ['CUST#'] },
      // A file whose processing failed gives its claim back; a customer-day's meter items are written in one
      // transaction checked against the day's revision, and meters that moved out of the day item are removed.
      { actions: ['DeleteItem'], keys: ['CUST#', 'FILE#'] },
      { actions: ['ConditionCheckItem'], keys: ['CUST#'] },
    ];

    this.ingestReadings = new QueueWorker(this, 'IngestReadings', {
      entry: 'functions/ingest-readings.ts',
      description: 'Parses, validates and aggregates uploaded files into daily usage; writes rejects/ reports; fans out files too large for one invocation',
      memorySize: 1024,
      environment: ingestEnvironment,
      workQueue: props.ingestQueue,
      batchSize: 5,
      // Protects the table's write capacity.
      maxConcurrency: props.ingestMaxConcurrency ?? 10,
      alarmTopic,
      deadLetterAlarmDescription: 'An uploaded file failed ingestion 5 times and waits in the ingest dead-letter queue',
    })
      .bindTable(props.table, {
        // Plus the fan-out record a large file's plan starts (FANOUT#).
        items: [...applyReadings, { actions: ['GetItem', 'PutItem'], keys: ['FANOUT#'] }],
        indexes: [TABLE.indexes.bySegment.name],
      })
      // Reads uploads (ranged reads for a large file's plan); writes reports and a compressed large file's parts.
      .bindBucket(props.bucket, { read: INGEST_PREFIXES, write: [REJECTS_PREFIX, STAGING_PREFIX] })
      // Ingest only raises alerts; mailing them is SendAlert's, so ingest holds no SES permission.
      .bindQueue(props.alertQueue.queue, 'send', ENV.alertQueueUrl)
      .bindQueue(props.chunkQueue.queue, 'send', ENV.chunkQueueUrl);

    this.ingestChunks = new QueueWorker(this, 'IngestChunks', {
      entry: 'functions/ingest-chunks.ts',
      description: 'Fan-out of large reading files: validates and stages one byte range, or applies one partition of the staged meter-days',
      // 1,769 MB is one full vCPU: parsing is CPU-bound.
      memorySize: 1769,
      environment: ingestEnvironment,
      workQueue: props.chunkQueue,
      // One chunk per invocation: each is about a minute of work.
      batchSize: 1,
      maxConcurrency: props.ingestMaxConcurrency ?? 10,
      alarmTopic,
      deadLetterAlarmDescription: 'A chunk or apply job of a large reading file failed 5 times; the file stays unfinished until it is redriven',
    })
      .bindTable(props.table, {
        items: [...applyReadings, { actions: ['GetItem', 'UpdateItem'], keys: ['FANOUT#'] }],
        indexes: [TABLE.indexes.bySegment.name],
      })
      .bindBucket(props.bucket, { read: [...INGEST_PREFIXES, STAGING_PREFIX], write: [REJECTS_PREFIX, STAGING_PREFIX] })
      .bindQueue(props.alertQueue.queue, 'send', ENV.alertQueueUrl)
      // Its own queue: the finishing step queues the apply jobs.
      .bindQueue(props.chunkQueue.queue, 'send', ENV.chunkQueueUrl);

    const mail = this.email(props.statements);

    this.runStatements = new ScheduledJob(this, 'RunStatements', {
      entry: 'functions/run-statements.ts',
      description: 'Monthly: records the statement run and enqueues one statement job per key account',
      memorySize: 512,
      timeout: RUN_STATEMENTS_TIMEOUT,
      environment: { [ENV.timeZone]: props.timeZone },
      scheduleDescription: 'Monthly statements for the previous month',
      expression: props.statements.statementSchedule,
      timeZone: props.statements.statementTimeZone,
      input: { period: 'previous' },
      // Undeliverable runs (e.g. the function throttled for a day) land here; RunStatements' own failures too.
      deadLetterQueue: props.runStatementsDlq,
      alarmTopic,
      deadLetterAlarmDescription: 'A monthly statement run was not delivered or failed; re-run it for its period',
    })
      // Lists the customers; everything else is the workers'.
      .bindTable(props.table, { indexes: [TABLE.indexes.bySegment.name] })
      .bindQueue(props.statementQueue.queue, 'send', ENV.statementQueueUrl);

    this.sendStatement = new QueueWorker(this, 'SendStatement', {
      entry: 'functions/send-statement.ts',
      description: 'Builds, stores and emails one key account\'s monthly statement, exactly once',
      memorySize: 512,
      environment: {
        [ENV.timeZone]: props.timeZone,
        [ENV.maxSendRate]: String(props.statements.maxSendRate),
        [ENV.dueDays]: String(props.statements.dueDays),
      },
      workQueue: props.statementQueue,
      batchSize: 10,
      // With MAX_SEND_RATE per worker this caps the account's SES send rate.
      maxConcurrency: props.statements.statementConcurrency,
      alarmTopic,
      deadLetterAlarmDescription: 'A statement job failed 5 times and waits in the statement dead-letter queue',
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

    this.sendAlert = new QueueWorker(this, 'SendAlert', {
      entry: 'functions/send-alert.ts',
      description: 'Emails a demand or bill-increase alert to the account manager, once per alert',
      environment: { [ENV.timeZone]: props.timeZone },
      workQueue: props.alertQueue,
      batchSize: 10,
      maxConcurrency: 2,
      alarmTopic,
      deadLetterAlarmDescription: 'An alert failed 5 times and waits in the alert dead-letter queue',
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

    this.sesFeedback = new KamFunction(this, 'SesFeedback', {
      entry: 'functions/ses-feedback.ts',
      description: 'Suppresses bounced or complaining addresses and tells the account manager',
    })
      .bindTable(props.table, {
        items: [
          { actions: ['PutItem'], keys: ['SUPPRESS#'] },
        ],
        // Finds the customers (and so the account managers) behind a bouncing address.
        indexes: [TABLE.indexes.bySegment.name],
      })
      .bindEmail(mail.sender);
    this.sesFeedback.function.configureAsyncInvoke({ onFailure: new SqsDestination(props.sesFeedbackDlq), retryAttempts: 2 });
    this.scanArrears = new ScheduledJob(this, 'ScanArrears', {
      entry: 'functions/scan-arrears.ts',
      description: 'Daily: finds overdue statements and enqueues the notice each has reached',
      memorySize: 512,
      timeout: SCAN_ARREARS_TIMEOUT,
      environment: { [ENV.timeZone]: props.timeZone },
      scheduleDescription: 'Daily arrears scan: reminders, overdue and final notices',
      expression: props.arrears.arrearsSchedule,
      timeZone: props.arrears.arrearsTimeZone,
      input: { asOf: 'today' },
      deadLetterQueue: props.scanArrearsDlq,
      // A scan still undelivered after 12 hours is better kept (and alarmed on) than run into the next day's.
      maxEventAge: Duration.hours(12),
      alarmTopic,
      deadLetterAlarmDescription: 'A daily arrears scan was not delivered or failed; re-run it for that day',
    })
      .bindTable(props.table, {
        // Reads statements, payments and notices of each customer; records each decided notice before queueing it.
        items: [{ actions: ['BatchGetItem', 'Query', 'PutItem'], keys: ['CUST#'] }],
        indexes: [TABLE.indexes.bySegment.name],
      })
      // Scanning only decides which notices are due; mailing them is SendNotice's, so the scan holds no SES permission.
      .bindQueue(props.noticeQueue.queue, 'send', ENV.noticeQueueUrl);

    this.sendNotice = new QueueWorker(this, 'SendNotice', {
      entry: 'functions/send-notice.ts',
      description: 'Records and emails one arrears notice stage of one statement, exactly once',
      memorySize: 512,
      environment: { [ENV.timeZone]: props.timeZone },
      workQueue: props.noticeQueue,
      batchSize: 10,
      maxConcurrency: props.arrears.noticeConcurrency,
      alarmTopic,
      deadLetterAlarmDescription: 'An arrears notice failed 5 times and waits in the notice dead-letter queue',
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

    this.sendDigest = new ScheduledJob(this, 'SendDigest', {
      entry: 'functions/send-digest.ts',
      description: 'Weekly: emails each account manager the segment moves and arrears risks of their customers',
      memorySize: 512,
      timeout: SEND_DIGEST_TIMEOUT,
      environment: { [ENV.timeZone]: props.timeZone },
      scheduleDescription: 'Weekly account-manager digest: segment moves and arrears risks of the past week',
      expression: props.digest.digestSchedule,
      // The business zone: "Monday 08:00" is the account managers' Monday morning.
      timeZone: props.timeZone,
      input: { weekEnding: 'today' },
      deadLetterQueue: props.sendDigestDlq,
      alarmTopic,
      deadLetterAlarmDescription: 'A weekly account-manager digest run was not delivered or failed; re-run it for that week',
    })
      .bindTable(props.table, {
        items: [
          { actions: ['BatchGetItem', 'Query'], keys: ['CUST#'] },
          // Its only writes: one DIGEST# ledger item per manager and week, claimed before the email goes out.
          { actions: ['GetItem', 'PutItem', 'UpdateItem'], keys: ['DIGEST#'] },
        ],
        indexes: [TABLE.indexes.bySegment.name],
      })
      .bindEmail(mail.sender);

    this.classifyPopulation = new ScheduledJob(this, 'ClassifyPopulation', {
      entry: 'functions/classify-population.ts',
      description: 'Every few minutes, when ingest changed the population: tiers, peer groups and segments of every customer',
      // Every profile is held at once: about 1.5 GB peak at 100,000 customers (npm run bench -- --only classify), and
      // the memory brings the CPU that keeps a run near half a minute there.
      memorySize: 3008,
      timeout: CLASSIFY_TIMEOUT,
      environment: { [ENV.timeZone]: props.timeZone },
      scheduleDescription: 'Population classification, when ingest marked a change since the last run',
      expression: props.classify.classifySchedule,
      timeZone: props.timeZone,
      input: {},
      deadLetterQueue: props.classifyDlq,
      // A run not delivered within 15 minutes is superseded by the later ones (each classifies every change so far).
      maxEventAge: Duration.minutes(15),
      alarmTopic,
      deadLetterAlarmDescription: 'A population classification run failed after its retries; segments are stale until a run succeeds',
    })
      // One writer of segments (a lease on the marker item, not reserved concurrency, which a small account cannot spare).
      .bindTable(props.table, {
        items: [
          // The marker: read, its lease taken and given back with the version classified.
          { actions: ['GetItem', 'UpdateItem'], keys: ['POPULATION'] },
          // Each changed segment on its customer's profile.
          { actions: ['UpdateItem'], keys: ['CUST#'] },
          // A moved customer's playbook actions as tasks for its manager (conditional puts: once per segment move).
          { actions: ['PutItem'], keys: ['CUST#'] },
          // Segment history items and the peer-group figures.
          { actions: ['BatchWriteItem'], keys: ['CUST#', 'PEERS'] },
        ],
        // Every customer's profile (master data, features, segment).
        indexes: [TABLE.indexes.bySegment.name],
      });

    ({ fn: this.consoleApi, api: this.consoleHttpApi, stage: this.consoleStage } = this.console(props));
    this.consoleSite = new ConsoleSite(this, 'ConsoleSite', {
      apiEndpoint: this.consoleHttpApi.apiEndpoint,
      auth: { mode: 'hosted', clientId: props.userPoolClient.userPoolClientId, domain: `${props.userPoolDomain.domainName}.auth.${this.region}.amazoncognito.com` },
      ...(props.console.consoleDomain ? { customDomain: props.console.consoleDomain } : {}),
      ...(props.console.consoleWebAclArn ? { webAclArn: props.console.consoleWebAclArn } : {}),
    });

    this.configurationSet = mail.configurationSet;
    this.sesFeedbackTopic = mail.feedbackTopic;
    this.sesFeedbackTopic.addSubscription(new LambdaSubscription(this.sesFeedback.function));

    alarmOnDeadLetters(this, 'SesFeedbackDlqAlarm', alarmTopic, props.sesFeedbackDlq, 'A bounce or complaint could not be recorded; the address is not suppressed yet');
    // Notices are dunning letters: a failing sender is worth knowing about before its messages reach the DLQ.
    this.alarmOn(
      'SendNoticeErrorsAlarm',
      this.sendNotice.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      'SendNotice failed at least once in 5 minutes; notices are being retried and may reach the notice dead-letter queue',
    );

    // The console's API as its users see it: server errors API Gateway answered (a failed or timed-out invocation).
    this.alarmOn(
      'ConsoleApiServerErrorsAlarm',
      this.consoleHttpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The console API answered at least 5 server errors (5xx) in 5 minutes; see the ConsoleApi log group and the API access log',
      5,
    );

    // Every function of this stack, found rather than listed, so a new one is on the dashboard and alarmed on.
    const functions = this.node.findAll().filter((construct): construct is KamFunction => construct instanceof KamFunction);
    this.dashboard = new OperationsDashboard(this, 'OperationsDashboard', {
      queues: {
        IngestQueue: props.ingestQueue.queue,
        IngestDlq: props.ingestQueue.deadLetterQueue,
        ChunkQueue: props.chunkQueue.queue,
        ChunkDlq: props.chunkQueue.deadLetterQueue,
        StatementQueue: props.statementQueue.queue,
        StatementDlq: props.statementQueue.deadLetterQueue,
        AlertQueue: props.alertQueue.queue,
        AlertDlq: props.alertQueue.deadLetterQueue,
        NoticeQueue: props.noticeQueue.queue,
        NoticeDlq: props.noticeQueue.deadLetterQueue,
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
    new CfnOutput(this, 'IngestChunksFunctionName', { value: this.ingestChunks.function.functionName });
    new CfnOutput(this, 'RunStatementsFunctionName', { value: this.runStatements.function.functionName });
    new CfnOutput(this, 'SendStatementFunctionName', { value: this.sendStatement.function.functionName });
    new CfnOutput(this, 'SendAlertFunctionName', { value: this.sendAlert.function.functionName });
    new CfnOutput(this, 'SesFeedbackFunctionName', { value: this.sesFeedback.function.functionName });
    new CfnOutput(this, 'ScanArrearsFunctionName', { value: this.scanArrears.function.functionName });
    new CfnOutput(this, 'SendNoticeFunctionName', { value: this.sendNotice.function.functionName });
    new CfnOutput(this, 'SendDigestFunctionName', { value: this.sendDigest.function.functionName });
    new CfnOutput(this, 'ClassifyPopulationFunctionName', { value: this.classifyPopulation.function.functionName });
    new CfnOutput(this, 'OperationsDashboardName', { value: this.dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'StatementsConfigSetName', { value: this.configurationSet.configurationSetName });
    new CfnOutput(this, 'SesFeedbackTopicArn', { value: this.sesFeedbackTopic.topicArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'ConsoleApiFunctionName', { value: this.consoleApi.function.functionName });
    new CfnOutput(this, STATELESS_OUTPUTS.consoleApiUrl, { value: this.consoleStage.url, description: 'The console API (routes under /api/)' });
    new CfnOutput(this, 'ConsoleUrl', {
      value: props.console.consoleDomain ? `https://${props.console.consoleDomain.names[0]}/` : `https://${this.consoleSite.distribution.distributionDomainName}/`,
      description: 'The console web UI (add it to -c consoleCallbackUrls for the managed login)',
    });
  }

  /**
   * The console's API: one function behind an HTTP API whose every route needs an ID or access token of the console
   * user pool issued to its app client (API Gateway's JWT authorizer answers 401 otherwise); the function checks the
   * token again (functions/console/auth.ts) and decides access per caller. No CORS: the console UI is served from the
   * same origin (CloudFront) later. Access logs and throttling on the default stage.
   */
  private console(props: StatelessStackProps): { fn: KamFunction; api: HttpApi; stage: HttpStage } {
    if (props.console.consoleWaf && !props.console.consoleWebAclArn) {
      // Not faked: AWS WAF associates with REST API stages, CloudFront, ALB, AppSync and a few others, not HTTP APIs.
      throw new Error(
        'consoleWaf: an API Gateway HTTP API cannot be associated with a WAF web ACL; the console\'s web ACL belongs on its CloudFront distribution: ' +
          'create a CLOUDFRONT-scope web ACL in us-east-1 and pass -c consoleWebAclArn=<arn>',
      );
    }
    // In AWS ProviderURL is cognito-idp.<region>.amazonaws.com/<pool id>: the issuer of the pool's tokens after https://.
    const issuer = `https://${props.userPool.userPoolProviderUrl}`;
    const fn = new KamFunction(this, 'ConsoleApi', {
      entry: 'functions/console-api.ts',
      description: 'The account managers\' console API: who the caller is, and what they may see and do',
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: {
        [ENV.timeZone]: props.timeZone,
        [ENV.consoleIssuer]: issuer,
        [ENV.consoleClientId]: props.userPoolClient.userPoolClientId,
      },
    }).bindTable(props.table, {
      items: [
        // Customers and what hangs under them, the tariffs (projected bills) and the peer groups' medians.
        { actions: ['GetItem', 'Query', 'BatchGetItem'], keys: ['CUST#', 'TARIFF#', 'PEERS'] },
        // A person's writes, each one conditional transaction with its audit items: a task's outcome and the hold it
        // makes, a recommendation, a decision (TASK#, HOLD#, APPROVAL#, AUDIT# under the customer).
        { actions: ['PutItem', 'UpdateItem', 'ConditionCheckItem'], keys: ['CUST#'] },
      ],
      // The portfolio lists customers through the general listing index.
      indexes: [TABLE.indexes.bySegment.name],
    });

    const api = new HttpApi(this, 'ConsoleHttpApi', {
      description: 'The account managers\' console API',
      createDefaultStage: false,
    });
    // A year, as the functions' logs: who called what, when, with which outcome (no tokens, no claims).
    const accessLogs = new LogGroup(this, 'ConsoleApiAccessLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    const stage = api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.console.consoleThrottleRate, burstLimit: props.console.consoleThrottleBurst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sourceIp: '$context.identity.sourceIp',
          }),
        ),
      },
    });
    const authorizer = new HttpJwtAuthorizer('ConsoleJwtAuthorizer', issuer, {
      jwtAudience: [props.userPoolClient.userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });
    api.addRoutes({
      path: '/api/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('ConsoleApiIntegration', fn.function, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 }),
      authorizer,
    });
    return { fn, api, stage };
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

  private alarmOn(id: string, metric: IMetric, description: string, threshold = 1): void {
    alarmOn(this, id, this.alarmTopic, metric, description, threshold);
  }
}
