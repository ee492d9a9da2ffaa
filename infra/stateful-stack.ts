import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccountRecovery, FeaturePlan, Mfa, OAuthScope, StandardThreatProtectionMode, StringAttribute, UserPool, UserPoolClient, UserPoolClientIdentityProvider, ManagedLoginVersion, UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import { STATEFUL_OUTPUTS, TABLE } from '../contracts/settings.ts';
import { GROUPS } from '../domain/console/caller.ts';
import type { AppConfig } from './config.ts';
import { INGEST_CHUNK_TIMEOUT, INGEST_PREFIXES, INGEST_TIMEOUT, STAGING_PREFIX, SEND_ALERT_TIMEOUT, SEND_NOTICE_TIMEOUT, SEND_STATEMENT_TIMEOUT } from './config.ts';
import { pinLogicalId } from './constructs/logical-ids.ts';
import { DeadLetterQueue, WorkQueue } from './constructs/work-queue.ts';

/** The console sign-in settings of AppConfig. */
export type ConsoleSignInSettings = Pick<AppConfig, 'consoleCallbackUrls' | 'consolePasswordAuth' | 'consoleAdvancedSecurity' | 'consoleDomainPrefix'>;

export interface StatefulStackProps extends StackProps {
  console: ConsoleSignInSettings;
}

/** Everything that holds data: the ingest bucket, the single table, the queues and the console's users. Functions live elsewhere. */
export class StatefulStack extends Stack {
  readonly bucket: Bucket;
  readonly table: Table;
  /** S3 notifications of uploads under the ingest prefixes; IngestReadings processes the files. */
  readonly ingestQueue: WorkQueue;
  /** Chunk and apply jobs of files too large for one invocation; IngestChunks processes them (fan-out.ts). */
  readonly chunkQueue: WorkQueue;
  /** One message per customer and period; SendStatement builds, stores and mails the statement. */
  readonly statementQueue: WorkQueue;
  /** Demand and bill-increase alerts raised by ingest; SendAlert mails the account manager. */
  readonly alertQueue: WorkQueue;
  /** One message per overdue statement and notice stage; SendNotice records and mails the notice, exactly once. */
  readonly noticeQueue: WorkQueue;
  /** Monthly runs that EventBridge Scheduler could not deliver or that RunStatements failed after its retries. */
  readonly runStatementsDlq: DeadLetterQueue;
  /** SES bounce/complaint notifications that SesFeedback failed to record after Lambda's retries. */
  readonly sesFeedbackDlq: DeadLetterQueue;
  /** Daily arrears scans that EventBridge Scheduler could not deliver or that ScanArrears failed after its retries. */
  readonly scanArrearsDlq: DeadLetterQueue;
  /** Classification runs that EventBridge Scheduler could not deliver or that ClassifyPopulation failed after its retries. */
  readonly classifyDlq: DeadLetterQueue;
  /** Weekly digest runs that EventBridge Scheduler could not deliver or that SendDigest failed after its retries. */
  readonly sendDigestDlq: DeadLetterQueue;
  /** The console's staff accounts (groups managers, supervisors, operators); retained, as people and their MFA live there. */
  readonly userPool: UserPool;
  /** The console's app client: no secret (a browser app), hosted-UI code flow with PKCE. */
  readonly userPoolClient: UserPoolClient;
  /** The managed login's domain (`<prefix>.auth.<region>.amazoncognito.com`), where the console signs in in AWS. */
  readonly userPoolDomain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
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
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // A fan-out's staged chunks are needed for minutes; a week leaves time to investigate a stuck one.
        { prefix: STAGING_PREFIX, expiration: Duration.days(7), noncurrentVersionExpiration: Duration.days(1) },
      ],
    });
    pinLogicalId(this.bucket, 'IngestBucket');

    this.table = new Table(this, 'UsageTable', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TABLE.ttl,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of Object.values(TABLE.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.pk, type: AttributeType.STRING },
        sortKey: { name: index.sk, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    pinLogicalId(this.table, 'UsageTable');

    this.ingestQueue = new WorkQueue(this, 'IngestQueue', { consumerTimeout: INGEST_TIMEOUT });
    this.chunkQueue = new WorkQueue(this, 'ChunkQueue', { consumerTimeout: INGEST_CHUNK_TIMEOUT });
    this.statementQueue = new WorkQueue(this, 'StatementQueue', { consumerTimeout: SEND_STATEMENT_TIMEOUT });
    this.alertQueue = new WorkQueue(this, 'AlertQueue', { consumerTimeout: SEND_ALERT_TIMEOUT });
    this.noticeQueue = new WorkQueue(this, 'NoticeQueue', { consumerTimeout: SEND_NOTICE_TIMEOUT });
    // Not StatementDlq: these hold {"period":...} run requests and Lambda invocation records, which must never be
    // redriven into StatementQueue (whose consumer expects one customer's statement job).
    this.runStatementsDlq = this.terminalQueue('RunStatementsDlq', 'EventBridge Scheduler dead-letter target and RunStatements on-failure destination');
    this.sesFeedbackDlq = this.terminalQueue('SesFeedbackDlq', 'SesFeedback on-failure destination for asynchronous (SNS) invocations');
    // Not NoticeDlq: these hold {"asOf":...} scan requests and Lambda invocation records, never notice jobs.
    this.scanArrearsDlq = this.terminalQueue('ScanArrearsDlq', 'EventBridge Scheduler dead-letter target and ScanArrears on-failure destination');
    this.sendDigestDlq = this.terminalQueue('SendDigestDlq', 'EventBridge Scheduler dead-letter target and SendDigest on-failure destination');
    this.classifyDlq = this.terminalQueue('ClassifyDlq', 'EventBridge Scheduler dead-letter target and ClassifyPopulation on-failure destination');

    for (const prefix of INGEST_PREFIXES) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.ingestQueue.queue), { prefix });
    }
    this.acknowledgeNotificationsHandler();

    ({ userPool: this.userPool, client: this.userPoolClient } = this.consoleUsers(props.console));
    // Authorization code + PKCE through Cognito's managed login needs a domain; the prefix is global per region.
    this.userPoolDomain = this.userPool.addDomain('ConsoleDomain', {
      cognitoDomain: { domainPrefix: props.console.consoleDomainPrefix ?? `${this.stackName.replace(/Stateful$/, '').toLowerCase()}-console-${this.account}` },
      managedLoginVersion: ManagedLoginVersion.CLASSIC_HOSTED_UI,
    });
    pinLogicalId(this.userPoolDomain, 'ConsoleDomain');

    new CfnOutput(this, STATEFUL_OUTPUTS.bucketName, { value: this.bucket.bucketName, description: 'Upload customers/, readings/, payments/, tariffs/ files here' });
    new CfnOutput(this, STATEFUL_OUTPUTS.tableName, { value: this.table.tableName });
    new CfnOutput(this, STATEFUL_OUTPUTS.ingestQueueUrl, { value: this.ingestQueue.queue.queueUrl });
    new CfnOutput(this, STATEFUL_OUTPUTS.statementQueueUrl, { value: this.statementQueue.queue.queueUrl });
    new CfnOutput(this, STATEFUL_OUTPUTS.alertQueueUrl, { value: this.alertQueue.queue.queueUrl });
    new CfnOutput(this, STATEFUL_OUTPUTS.noticeQueueUrl, { value: this.noticeQueue.queue.queueUrl });
    const deadLetterQueues = {
      IngestDlq: this.ingestQueue.deadLetterQueue,
      ChunkDlq: this.chunkQueue.deadLetterQueue,
      StatementDlq: this.statementQueue.deadLetterQueue,
      AlertDlq: this.alertQueue.deadLetterQueue,
      NoticeDlq: this.noticeQueue.deadLetterQueue,
      RunStatementsDlq: this.runStatementsDlq,
      SesFeedbackDlq: this.sesFeedbackDlq,
      ScanArrearsDlq: this.scanArrearsDlq,
      SendDigestDlq: this.sendDigestDlq,
      ClassifyDlq: this.classifyDlq,
    };
    for (const [id, queue] of Object.entries(deadLetterQueues)) new CfnOutput(this, `${id}Url`, { value: queue.queueUrl });
    new CfnOutput(this, STATEFUL_OUTPUTS.consoleUserPoolId, { value: this.userPool.userPoolId, description: 'The console user pool: create staff users here' });
    new CfnOutput(this, STATEFUL_OUTPUTS.consoleClientId, { value: this.userPoolClient.userPoolClientId });
  }

  /**
   * The console's user pool: staff sign in by email, are created by an administrator only, and belong to one of the
   * groups the console's access rules know (domain/console/caller.ts). Supervisors carry their regions in
   * `custom:regions` (comma-separated).
   */
  private consoleUsers(settings: ConsoleSignInSettings): { userPool: UserPool; client: UserPoolClient } {
    const userPool = new UserPool(this, 'ConsoleUserPool', {
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      selfSignUpEnabled: false,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      customAttributes: { regions: new StringAttribute({ mutable: true, maxLen: 256 }) },
      ...(settings.consoleAdvancedSecurity
        ? { featurePlan: FeaturePlan.PLUS, standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION }
        : { featurePlan: FeaturePlan.ESSENTIALS }),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    pinLogicalId(userPool, 'ConsoleUserPool');
    for (const group of GROUPS) {
      const created = userPool.addGroup(`ConsoleGroup${group[0]!.toUpperCase()}${group.slice(1)}`, { groupName: group });
      pinLogicalId(created, `ConsoleGroup${group[0]!.toUpperCase()}${group.slice(1)}`);
    }
    const client = userPool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: { userSrp: false, userPassword: settings.consolePasswordAuth, adminUserPassword: false, custom: false },
      oAuth: {
        // Authorization code only; Cognito requires PKCE of public clients' code flows started by the managed login.
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: settings.consoleCallbackUrls,
        logoutUrls: settings.consoleCallbackUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    pinLogicalId(client, 'ConsoleClient');
    if (!settings.consoleAdvancedSecurity) {
      // (cdk-nag's COG3, AdvancedSecurityMode, is not raised on the Essentials plan, where the mode does not exist.)
      Validations.of(userPool.node.defaultChild!).acknowledge({
        id: 'AwsSolutions-COG8',
        reason: 'Threat protection needs the Plus feature plan (charged per monthly active user); the issue asks for it off by default, on with -c consoleAdvancedSecurity=true.',
      });
    }
    Validations.of(userPool.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-COG2',
      reason: 'The issue asks for optional MFA: each person may enrol a TOTP authenticator; the password policy is strong and self sign-up is off.',
    });
    return { userPool, client };
  }

  private terminalQueue(id: string, terminalFor: string): DeadLetterQueue {
    return pinLogicalId(new DeadLetterQueue(this, id, { terminalFor }), id);
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
