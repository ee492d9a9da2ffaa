/** The template shapes the local stack reads and the shapes of what it provisions. */
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { NotificationForwarder, QueueNotificationRule } from '../notifications.ts';

export type CfnValue = unknown;
export interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
  Metadata?: Record<string, CfnValue>;
  DependsOn?: string | string[];
}
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: CfnValue; Export?: { Name: CfnValue }; Description?: string }>;
  Parameters?: Record<string, { Type: string; Default?: CfnValue }>;
  [key: string]: unknown;
}
/** A template with the name CloudFormation knows its stack by (needed for AWS::StackName and Fn::GetStackOutput). */
export interface NamedTemplate {
  stackName: string;
  template: CfnTemplate;
}
/** Either a bare template (its stack is then called `Stack<index>`) or a named one. */
export type TemplateInput = CfnTemplate | NamedTemplate | object;

export interface ProvisionedResource {
  stackName: string;
  logicalId: string;
  type: string;
  /** what `Ref` returns: table/bucket name, queue URL, … */
  ref: string;
  /** physical name */
  name: string;
  /** what `Fn::GetAtt` returns, e.g. { Arn } */
  attributes: Record<string, string>;
  /** false for types that are not emulated: they only get a name so references to them resolve */
  created: boolean;
}

export interface ProvisionedTable extends ProvisionedResource {
  description: TableDescription;
}

export interface ProvisionedResources {
  region: string;
  accountId: string;
  stacks: NamedTemplate[];
  resources: ProvisionedResource[];
  tables: ProvisionedTable[];
  buckets: ProvisionedResource[];
  queues: (ProvisionedResource & { url: string; arn: string })[];
  /** Export.Name → value, for every exported Output */
  exports: Record<string, string>;
  /** Per stack, Output name → value (what Fn::GetStackOutput returns) */
  outputs: Record<string, Record<string, string>>;
  notificationRules: QueueNotificationRule[];
  notifications: NotificationForwarder;
  /** The resource with this logical id (or the unique one whose logical id starts with it, as CDK appends hashes). */
  find(logicalId: string, options?: { type?: string; stackName?: string }): ProvisionedResource;
  /** Resolves any template value (Ref, GetAtt, ImportValue, GetStackOutput, Join, Select, Split, Sub) locally. */
  resolve(value: CfnValue, stackName: string): unknown;
}

export interface ProvisionOptions {
  log?: (msg: string) => void;
  /** Physical names are `<logicalId>-<suffix>`; random by default. With a persistent LocalAws the names of the
   * first run are remembered in `<dataDir>/provisioned-names.json` and reused, so restarts find their data. */
  suffix?: string;
  /** Send S3's s3:TestEvent to each notification queue, as S3 does when the configuration is put. */
  sendTestEvent?: boolean;
}

export interface LocalEventSourceMapping {
  logicalId: string;
  eventSourceArn: string;
  /** set when the source is a local SQS queue */
  queueUrl?: string;
  batchSize: number;
  maximumBatchingWindowInSeconds?: number;
  functionResponseTypes: string[];
  maximumConcurrency?: number;
  enabled: boolean;
}

export interface LocalFunctionConfig {
  stackName: string;
  logicalId: string;
  functionName: string;
  handler?: string;
  runtime?: string;
  timeoutSeconds: number;
  memorySize: number;
  /** ReservedConcurrentExecutions, when set */
  reservedConcurrency?: number;
  environment: Record<string, string>;
  /** Metadata aws:cdk:path, e.g. "KamStateless/IngestReadings/Function/Resource" */
  cdkPath?: string;
  /** Metadata aws:asset:path (the bundled asset directory under cdk.out) */
  assetPath?: string;
  /** CDK's own helper functions (bucket notifications handler, auto-delete, log retention, …) */
  cdkInternal: boolean;
  eventSources: LocalEventSourceMapping[];
}
