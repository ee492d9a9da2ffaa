/** Turns bucket notification configurations (CDK's custom resource or the bucket's own property) into queue rules. */
import type { QueueNotificationRule } from '../notifications.ts';
import type { ProvisionedResource } from './types.ts';

/** The shape CDK's Custom::S3BucketNotifications passes to PutBucketNotificationConfiguration. */
export interface NotificationConfiguration {
  QueueConfigurations?: {
    Id?: string;
    Events: string[];
    Filter?: { Key?: { FilterRules?: { Name: string; Value: string }[] } };
    QueueArn: string;
  }[];
  LambdaFunctionConfigurations?: unknown[];
  TopicConfigurations?: unknown[];
  EventBridgeConfiguration?: unknown;
}

/** The AWS::S3::Bucket NotificationConfiguration property (CloudFormation's own shape). */
export interface CfnNotificationConfiguration {
  QueueConfigurations?: { Event: string; Filter?: { S3Key?: { Rules?: { Name: string; Value: string }[] } }; Queue: string }[];
  LambdaConfigurations?: unknown[];
  TopicConfigurations?: unknown[];
  EventBridgeConfiguration?: unknown;
}

function keyFilter(rules: { Name: string; Value: string }[] | undefined): { prefix?: string; suffix?: string } {
  const out: { prefix?: string; suffix?: string } = {};
  for (const rule of rules ?? []) {
    const name = rule.Name.toLowerCase();
    if (name === 'prefix') out.prefix = rule.Value;
    else if (name === 'suffix') out.suffix = rule.Value;
    else throw new Error(`Unknown S3 key filter rule ${rule.Name}`);
  }
  return out;
}

interface OtherNotificationTargets {
  LambdaFunctionConfigurations?: unknown[];
  LambdaConfigurations?: unknown[];
  TopicConfigurations?: unknown[];
  EventBridgeConfiguration?: unknown;
}

function warnUnsupported(config: OtherNotificationTargets, where: string, log: (msg: string) => void) {
  if ((config.LambdaFunctionConfigurations ?? config.LambdaConfigurations ?? []).length > 0) {
    log(`provision: ${where}: Lambda notification targets are not emulated (only SQS)`);
  }
  if ((config.TopicConfigurations ?? []).length > 0) log(`provision: ${where}: SNS notification targets are not emulated (only SQS)`);
  if (config.EventBridgeConfiguration) log(`provision: ${where}: EventBridge notifications are not emulated (only SQS)`);
}

function queueFor(arn: string, queuesByArn: Map<string, ProvisionedResource>, where: string): ProvisionedResource {
  const queue = queuesByArn.get(arn);
  if (!queue) throw new Error(`${where}: notification target ${arn} is not a local queue`);
  return queue;
}

export function notificationRules(
  bucket: string,
  config: NotificationConfiguration,
  queuesByArn: Map<string, ProvisionedResource>,
  where: string,
  log: (msg: string) => void,
): QueueNotificationRule[] {
  warnUnsupported(config, where, log);
  return (config.QueueConfigurations ?? []).map((qc) => {
    const queue = queueFor(qc.QueueArn, queuesByArn, where);
    return {
      bucket,
      queueUrl: queue.ref,
      queueArn: qc.QueueArn,
      events: qc.Events,
      ...keyFilter(qc.Filter?.Key?.FilterRules),
      ...(qc.Id ? { configurationId: qc.Id } : {}),
    };
  });
}

/** CloudFormation's own NotificationConfiguration, read as the S3 API shape CDK's custom resource passes. */
export function cfnNotificationRules(
  bucket: string,
  config: CfnNotificationConfiguration,
  queuesByArn: Map<string, ProvisionedResource>,
  where: string,
  log: (msg: string) => void,
): QueueNotificationRule[] {
  const { QueueConfigurations, LambdaConfigurations, ...others } = config;
  const asApi: NotificationConfiguration = {
    ...others,
    ...(LambdaConfigurations ? { LambdaFunctionConfigurations: LambdaConfigurations } : {}),
    QueueConfigurations: (QueueConfigurations ?? []).map((qc) => ({ QueueArn: qc.Queue, Events: [qc.Event], Filter: { Key: { FilterRules: qc.Filter?.S3Key?.Rules ?? [] } } })),
  };
  return notificationRules(bucket, asApi, queuesByArn, where, log);
}
