import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { INGEST_PREFIXES, INGEST_TIMEOUT, REJECTS_PREFIX } from './config.ts';
import { KamFunction } from './constructs/kam-function.ts';

export interface StatelessStackProps extends StackProps {
  bucket: IBucket;
  table: ITable;
  ingestQueue: IQueue;
  ingestDlq: IQueue;
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
  readonly alarmTopic: Topic;

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
        ...(props.headerAliases ? { HEADER_ALIASES: JSON.stringify(props.headerAliases) } : {}),
      },
    })
      .bindTable(props.table, 'readWrite', 'TABLE_NAME', ['bySegment'])
      .bindBucket(props.bucket, { read: INGEST_PREFIXES, write: [REJECTS_PREFIX] });
    this.ingestReadings.function.addEventSource(
      new SqsEventSource(props.ingestQueue, {
        batchSize: 5,
        reportBatchItemFailures: true,
        maxConcurrency: props.ingestMaxConcurrency ?? 10,
      }),
    );

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

    const dlqAlarm = new Alarm(this, 'IngestDlqAlarm', {
      alarmDescription: 'An uploaded file failed ingestion 5 times and waits in the ingest dead-letter queue',
      metric: props.ingestDlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    dlqAlarm.addAlarmAction(new SnsAction(this.alarmTopic));
    dlqAlarm.addOkAction(new SnsAction(this.alarmTopic));

    new CfnOutput(this, 'IngestReadingsFunctionName', { value: this.ingestReadings.function.functionName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }
}
