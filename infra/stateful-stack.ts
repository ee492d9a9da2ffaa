import { CfnOutput, CfnResource, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { ALERT_VISIBILITY_TIMEOUT, INGEST_PREFIXES, INGEST_VISIBILITY_TIMEOUT, NOTICE_VISIBILITY_TIMEOUT, STATEMENT_VISIBILITY_TIMEOUT, TABLE_INDEXES } from './config.ts';

/** Everything that holds data: the ingest bucket, the single table and the queues. Functions live elsewhere. */
export class StatefulStack extends Stack {
  readonly bucket: Bucket;
  readonly table: Table;
  readonly ingestQueue: Queue;
  readonly ingestDlq: Queue;
  /** One message per customer and period; SendStatement builds, stores and mails the statement. */
  readonly statementQueue: Queue;
  readonly statementDlq: Queue;
  /** Demand and bill-increase alerts raised by ingest; SendAlert mails the account manager. */
  readonly alertQueue: Queue;
  readonly alertDlq: Queue;
  /** Monthly runs that EventBridge Scheduler could not deliver or that RunStatements failed after its retries. */
  readonly runStatementsDlq: Queue;
  /** SES bounce/complaint notifications that SesFeedback failed to record after Lambda's retries. */
  readonly sesFeedbackDlq: Queue;
  /** One message per overdue statement and notice stage; SendNotice records and mails the notice, exactly once. */
  readonly noticeQueue: Queue;
  readonly noticeDlq: Queue;
  /** Daily arrears scans that EventBridge Scheduler could not deliver or that ScanArrears failed after its retries. */
  readonly scanArrearsDlq: Queue;
  /** Weekly digest runs that EventBridge Scheduler could not deliver or that SendDigest failed after its retries. */
  readonly sendDigestDlq: Queue;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const accessLogs = new Bucket(this, 'AccessLogBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });
    pinLogicalId(accessLogs, 'AccessLogBucket');

    this.bucket = new Bucket(this, 'IngestBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'ingest-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    });
    pinLogicalId(this.bucket, 'IngestBucket');

    this.table = new Table(this, 'UsageTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'ttl',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of Object.values(TABLE_INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.pk, type: AttributeType.STRING },
        sortKey: { name: index.sk, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    pinLogicalId(this.table, 'UsageTable');

    this.ingestDlq = new Queue(this, 'IngestDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    pinLogicalId(this.ingestDlq, 'IngestDlq');

    // SSE-SQS rather than KMS: S3 can deliver to it without a key policy, and nothing else reads the events.
    this.ingestQueue = new Queue(this, 'IngestQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: INGEST_VISIBILITY_TIMEOUT,
      deadLetterQueue: { queue: this.ingestDlq, maxReceiveCount: 5 },
    });
    pinLogicalId(this.ingestQueue, 'IngestQueue');

    this.statementDlq = this.deadLetterQueue('StatementDlq');
    this.statementQueue = this.workQueue('StatementQueue', this.statementDlq, STATEMENT_VISIBILITY_TIMEOUT);
    this.alertDlq = this.deadLetterQueue('AlertDlq');
    this.alertQueue = this.workQueue('AlertQueue', this.alertDlq, ALERT_VISIBILITY_TIMEOUT);
    // Not StatementDlq: these hold {"period":...} run requests and Lambda invocation records, which must never be
    // redriven into StatementQueue (whose consumer expects one customer's statement job).
    this.runStatementsDlq = this.deadLetterQueue('RunStatementsDlq');
    this.acknowledgeTerminalQueue(this.runStatementsDlq, 'EventBridge Scheduler dead-letter target and RunStatements on-failure destination');
    this.sesFeedbackDlq = this.deadLetterQueue('SesFeedbackDlq');
    this.acknowledgeTerminalQueue(this.sesFeedbackDlq, 'SesFeedback on-failure destination for asynchronous (SNS) invocations');
    this.noticeDlq = this.deadLetterQueue('NoticeDlq');
    this.noticeQueue = this.workQueue('NoticeQueue', this.noticeDlq, NOTICE_VISIBILITY_TIMEOUT);
    // Not NoticeDlq: these hold {"asOf":...} scan requests and Lambda invocation records, never notice jobs.
    this.scanArrearsDlq = this.deadLetterQueue('ScanArrearsDlq');
    this.acknowledgeTerminalQueue(this.scanArrearsDlq, 'EventBridge Scheduler dead-letter target and ScanArrears on-failure destination');
    this.sendDigestDlq = this.deadLetterQueue('SendDigestDlq');
    this.acknowledgeTerminalQueue(this.sendDigestDlq, 'EventBridge Scheduler dead-letter target and SendDigest on-failure destination');

    for (const prefix of INGEST_PREFIXES) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.ingestQueue), { prefix });
    }
    this.acknowledgeNotificationsHandler();

    new CfnOutput(this, 'IngestBucketName', { value: this.bucket.bucketName, description: 'Upload customers/, readings/, payments/, tariffs/ files here' });
    new CfnOutput(this, 'UsageTableName', { value: this.table.tableName });
    new CfnOutput(this, 'IngestQueueUrl', { value: this.ingestQueue.queueUrl });
    new CfnOutput(this, 'IngestDlqUrl', { value: this.ingestDlq.queueUrl });
    new CfnOutput(this, 'StatementQueueUrl', { value: this.statementQueue.queueUrl });
    new CfnOutput(this, 'StatementDlqUrl', { value: this.statementDlq.queueUrl });
    new CfnOutput(this, 'AlertQueueUrl', { value: this.alertQueue.queueUrl });
    new CfnOutput(this, 'AlertDlqUrl', { value: this.alertDlq.queueUrl });
    new CfnOutput(this, 'RunStatementsDlqUrl', { value: this.runStatementsDlq.queueUrl });
    new CfnOutput(this, 'SesFeedbackDlqUrl', { value: this.sesFeedbackDlq.queueUrl });
    new CfnOutput(this, 'NoticeQueueUrl', { value: this.noticeQueue.queueUrl });
    new CfnOutput(this, 'NoticeDlqUrl', { value: this.noticeDlq.queueUrl });
    new CfnOutput(this, 'ScanArrearsDlqUrl', { value: this.scanArrearsDlq.queueUrl });
    new CfnOutput(this, 'SendDigestDlqUrl', { value: this.sendDigestDlq.queueUrl });
  }

  /** Failed messages wait here 14 days (SQS's maximum) for an operator to inspect and redrive them. */
  private deadLetterQueue(id: string): Queue {
    const queue = new Queue(this, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    return pinLogicalId(queue, id);
  }

  /** A Lambda-consumed queue: a message failing 5 receives moves to its DLQ. */
  private workQueue(id: string, deadLetterQueue: Queue, visibilityTimeout: Duration): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    return pinLogicalId(queue, id);
  }

  /** cdk-nag SQS3 only recognises a DLQ through another queue's redrive policy; this one is a DLQ of another kind. */
  private acknowledgeTerminalQueue(queue: Queue, role: string): void {
    Validations.of(queue.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `Terminal dead-letter queue (${role}); nothing consumes it, so it needs no DLQ of its own.`,
    });
  }

  /** CDK's own singleton Lambda that writes the bucket's NotificationConfiguration (a custom resource). */
  private acknowledgeNotificationsHandler(): void {
    const handler = this.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
    if (!handler) throw new Error('expected the CDK BucketNotificationsHandler after addEventNotification');
    Validations.of(handler.node.findChild('Role').node.defaultChild!).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK-managed BucketNotificationsHandler role; its log permissions are fixed by aws-cdk-lib and not configurable.',
    });
  }
}

/** Stateful resources keep a fixed logical id: a changed id would make CloudFormation replace (and orphan) them. */
function pinLogicalId<T extends IConstruct>(construct: T, logicalId: string): T {
  (construct.node.defaultChild as CfnResource).overrideLogicalId(logicalId);
  return construct;
}
