/**
 * Creates the local resources from the CloudFormation templates the CDK app synthesizes, so local and cloud cannot
 * drift: every AWS::DynamoDB::Table / GlobalTable, AWS::S3::Bucket and AWS::SQS::Queue is created in the local
 * emulators, bucket → queue notifications (CDK's Custom::S3BucketNotifications) are wired with
 * local/notifications.ts, and Lambda environments / SQS event source mappings are resolved to local names and URLs.
 *
 * Cross-stack references are resolved both ways CDK emits them: `Fn::ImportValue` of an Output's Export.Name
 * (strong references) and `Fn::GetStackOutput` {StackName, OutputName} (weak references,
 * "@aws-cdk/core:defaultCrossStackReferences": "weak").
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { forwardObjectCreatedNotifications, type NotificationForwarder, type QueueNotificationRule } from './notifications.ts';
import type { LocalAws } from './servers.ts';

// ---------------------------------------------------------------------------------------------------------------
// Types

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

// ---------------------------------------------------------------------------------------------------------------
// Templates

function isNamed(input: TemplateInput): input is NamedTemplate {
  const candidate = input as Partial<NamedTemplate> & { Resources?: unknown };
  return typeof candidate.stackName === 'string' && typeof candidate.template === 'object' && !candidate.Resources;
}

export function normalizeTemplates(inputs: readonly TemplateInput[]): NamedTemplate[] {
  const stacks = inputs.map((input, i) =>
    isNamed(input) ? input : { stackName: `Stack${i}`, template: input as CfnTemplate },
  );
  const names = new Set<string>();
  for (const { stackName } of stacks) {
    if (names.has(stackName)) throw new Error(`Two templates have the stack name ${stackName}`);
    names.add(stackName);
  }
  return stacks;
}

/** Reads the stacks of a synthesized cloud assembly (cdk.out) with their stack names, in manifest order. */
export function loadTemplatesFromCdkOut(cdkOutDir: string): NamedTemplate[] {
  const manifest = JSON.parse(readFileSync(join(cdkOutDir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
    .map(([id, a]) => ({
      stackName: a.properties?.stackName ?? id,
      template: JSON.parse(readFileSync(join(cdkOutDir, a.properties!.templateFile!), 'utf8')) as CfnTemplate,
    }));
}

// ---------------------------------------------------------------------------------------------------------------
// Intrinsic functions

const NO_VALUE = Symbol('AWS::NoValue');
const SUPPORTED_INTRINSICS = [
  'Ref',
  'Fn::GetAtt',
  'Fn::ImportValue',
  'Fn::GetStackOutput',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::Sub',
];

interface ResolveContext {
  stackName: string;
  pseudo(name: string): string | string[] | typeof NO_VALUE | undefined;
  parameter(name: string): CfnValue | undefined;
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
  importValue(exportName: string): string;
  stackOutput(stackName: string, outputName: string): string;
}

function intrinsicName(value: CfnValue): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return keys[0];
  return undefined;
}

function expectString(value: unknown, what: string, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${what} must resolve to a string at ${path}, got ${JSON.stringify(value)}`);
}

function resolveValue(value: CfnValue, ctx: ResolveContext, path: string): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) => resolveValue(v, ctx, `${path}[${i}]`)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const fn = intrinsicName(value);
  if (!fn) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = resolveValue(v, ctx, `${path}.${k}`);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }
  const arg = (value as Record<string, CfnValue>)[fn];
  const at = `${path}.${fn}`;
  switch (fn) {
    case 'Ref': {
      const name = expectString(arg, 'Ref', at);
      if (name.startsWith('AWS::')) {
        const pseudo = ctx.pseudo(name);
        if (pseudo === undefined) throw new Error(`Unsupported pseudo parameter ${name} at ${at}`);
        return pseudo;
      }
      const parameter = ctx.parameter(name);
      if (parameter !== undefined) return parameter;
      return ctx.ref(name);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(arg)
        ? [expectString(arg[0], 'Fn::GetAtt resource', at), expectString(resolveValue(arg[1], ctx, at), 'Fn::GetAtt attribute', at)]
        : (() => {
            const s = expectString(arg, 'Fn::GetAtt', at);
            const dot = s.indexOf('.');
            return [s.slice(0, dot), s.slice(dot + 1)];
          })();
      return ctx.getAtt(logicalId, attribute);
    }
    case 'Fn::ImportValue':
      return ctx.importValue(expectString(resolveValue(arg, ctx, at), 'Fn::ImportValue name', at));
    case 'Fn::GetStackOutput': {
      const spec = resolveValue(arg, ctx, at) as { StackName?: unknown; OutputName?: unknown };
      return ctx.stackOutput(
        expectString(spec.StackName, 'Fn::GetStackOutput StackName', at),
        expectString(spec.OutputName, 'Fn::GetStackOutput OutputName', at),
      );
    }
    case 'Fn::Join': {
      if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`Malformed Fn::Join at ${at}`);
      const delimiter = expectString(arg[0], 'Fn::Join delimiter', at);
      const list = resolveValue(arg[1], ctx, at);
      if (!Array.isArray(list)) throw new Error(`Fn::Join needs a list at ${at}`);
      return list.map((item, i) => expectString(item, 'Fn::Join item', `${at}[${i}]`)).join(delimiter);
    }
    case 'Fn::Select': {
      if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`Malformed Fn::Select at ${at}`);
      const index = Number(resolveValue(arg[0], ctx, at));
      const list = resolveValue(arg[1], ctx, at);
      if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length) {
        throw new Error(`Fn::Select index ${index} out of range at ${at}`);
      }
      return list[index];
    }
    case 'Fn::Split': {
      if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`Malformed Fn::Split at ${at}`);
      const delimiter = expectString(arg[0], 'Fn::Split delimiter', at);
      return expectString(resolveValue(arg[1], ctx, at), 'Fn::Split source', at).split(delimiter);
    }
    case 'Fn::Sub': {
      const [template, variables] = Array.isArray(arg)
        ? [expectString(arg[0], 'Fn::Sub template', at), (resolveValue(arg[1] ?? {}, ctx, at) ?? {}) as Record<string, unknown>]
        : [expectString(arg, 'Fn::Sub template', at), {} as Record<string, unknown>];
      return template.replace(/\$\{(!?)([^}]+)\}/g, (_m, literal: string, name: string) => {
        if (literal) return `\${${name}}`;
        const key = name.trim();
        if (key in variables) return expectString(variables[key], `Fn::Sub variable ${key}`, at);
        if (key.startsWith('AWS::')) return expectString(resolveValue({ Ref: key }, ctx, at), key, at);
        const dot = key.indexOf('.');
        if (dot > 0) return ctx.getAtt(key.slice(0, dot), key.slice(dot + 1));
        return expectString(resolveValue({ Ref: key }, ctx, at), key, at);
      });
    }
    default:
      throw new Error(
        `Unsupported intrinsic function ${fn} at ${path} (the local stack supports ${SUPPORTED_INTRINSICS.join(', ')})`,
      );
  }
}

type ResourceKey = `${string}/${string}`;

/** References a value makes to resources (in this or other stacks), for ordering creation. */
function collectDependencies(
  value: CfnValue,
  stackName: string,
  lookupOutput: (stackName: string, name: { exportName?: string; outputName?: string }) => { stackName: string; value: CfnValue } | undefined,
  resolveLiteral: (v: CfnValue, stackName: string) => unknown,
  out = new Set<ResourceKey>(),
  seenOutputs = new Set<string>(),
): Set<ResourceKey> {
  if (Array.isArray(value)) {
    for (const v of value) collectDependencies(v, stackName, lookupOutput, resolveLiteral, out, seenOutputs);
    return out;
  }
  if (value === null || typeof value !== 'object') return out;
  const fn = intrinsicName(value);
  const arg = fn ? (value as Record<string, CfnValue>)[fn] : undefined;
  const viaOutput = (found: { stackName: string; value: CfnValue } | undefined, key: string) => {
    if (!found || seenOutputs.has(key)) return;
    seenOutputs.add(key);
    collectDependencies(found.value, found.stackName, lookupOutput, resolveLiteral, out, seenOutputs);
  };
  switch (fn) {
    case 'Ref':
      if (typeof arg === 'string' && !arg.startsWith('AWS::')) out.add(`${stackName}/${arg}`);
      return out;
    case 'Fn::GetAtt': {
      const id = Array.isArray(arg) ? arg[0] : typeof arg === 'string' ? arg.split('.')[0] : undefined;
      if (typeof id === 'string') out.add(`${stackName}/${id}`);
      return out;
    }
    case 'Fn::ImportValue': {
      const name = String(resolveLiteral(arg, stackName));
      viaOutput(lookupOutput(stackName, { exportName: name }), `export:${name}`);
      return out;
    }
    case 'Fn::GetStackOutput': {
      const spec = resolveLiteral(arg, stackName) as { StackName: string; OutputName: string };
      viaOutput(lookupOutput(spec.StackName, { outputName: spec.OutputName }), `output:${spec.StackName}/${spec.OutputName}`);
      return out;
    }
    case 'Fn::Sub': {
      const template = Array.isArray(arg) ? arg[0] : arg;
      const variables = Array.isArray(arg) && arg[1] && typeof arg[1] === 'object' ? (arg[1] as Record<string, CfnValue>) : {};
      collectDependencies(Object.values(variables), stackName, lookupOutput, resolveLiteral, out, seenOutputs);
      if (typeof template === 'string') {
        for (const [, literal, name] of template.matchAll(/\$\{(!?)([^}]+)\}/g)) {
          const key = name!.trim();
          if (literal || key in variables || key.startsWith('AWS::')) continue;
          out.add(`${stackName}/${key.split('.')[0]}`);
        }
      }
      return out;
    }
    default:
      for (const v of Object.values(value)) collectDependencies(v, stackName, lookupOutput, resolveLiteral, out, seenOutputs);
      return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Names

const TABLE_PROPERTIES = [
  'TableName',
  'KeySchema',
  'AttributeDefinitions',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'BillingMode',
  'StreamSpecification',
  'TimeToLiveSpecification',
];
const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
];
/** The properties of each emulated type that the local stack honours. */
const USED_PROPERTIES: Record<string, string[]> = {
  'AWS::DynamoDB::Table': TABLE_PROPERTIES,
  'AWS::DynamoDB::GlobalTable': TABLE_PROPERTIES,
  'AWS::S3::Bucket': ['BucketName', 'NotificationConfiguration'],
  'AWS::SQS::Queue': ['QueueName', 'RedrivePolicy', 'RedriveAllowPolicy', ...QUEUE_ATTRIBUTES],
};
const EMULATED_TYPES = new Set(Object.keys(USED_PROPERTIES));

function randomSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(6), (b) => alphabet[b % alphabet.length]).join('');
}

function physicalName(type: string, logicalId: string, suffix: string, props: Record<string, CfnValue>): string {
  switch (type) {
    case 'AWS::S3::Bucket': {
      const base = logicalId.toLowerCase().replace(/[^a-z0-9-]/g, '');
      return `${base.slice(0, 62 - suffix.length)}-${suffix}`;
    }
    case 'AWS::SQS::Queue': {
      const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
      const name = `${logicalId.slice(0, 80 - suffix.length - 1 - (fifo ? 5 : 0))}-${suffix}`;
      return fifo ? `${name}.fifo` : name;
    }
    default:
      return `${logicalId.slice(0, 200)}-${suffix}`;
  }
}

/** The property CloudFormation takes an explicit physical name from, by type. */
const NAME_PROPERTIES: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::SES::ConfigurationSet': 'Name',
  'AWS::SES::EmailIdentity': 'EmailIdentity',
  'AWS::SSM::Parameter': 'Name',
  'AWS::Events::Rule': 'Name',
};

/** Placeholder ARNs for resources that exist only as names locally. */
function placeholderArn(type: string, name: string, region: string, account: string): string {
  const [, service = 'unknown', kind = 'resource'] = type.split('::');
  const svc = service.toLowerCase();
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${region}:${account}:function:${name}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${account}:role/${name}`;
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      return `arn:aws:iam::${account}:policy/${name}`;
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${region}:${account}:${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${region}:${account}:log-group:${name}:*`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${region}:${account}:key/${name}`;
    default:
      return `arn:aws:${svc}:${region}:${account}:${kind.toLowerCase()}/${name}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Provisioning

const REGISTRY = Symbol('registry');

interface Registry {
  stacks: NamedTemplate[];
  region: string;
  accountId: string;
  resources: Map<ResourceKey, ProvisionedResource>;
  names: Record<string, string>;
  suffix: string;
  outputs: Map<string, Map<string, string>>;
  exports: Map<string, string>;
  stack(name: string): NamedTemplate;
  lookup(stackName: string, logicalId: string): ProvisionedResource;
  contextFor(stackName: string): ResolveContext;
  resolve(value: CfnValue, stackName: string, path?: string): unknown;
  /** The (unresolved) Value of an exported output or of a stack's named output. */
  outputValue(fromStack: string, name: { exportName?: string; outputName?: string }): { stackName: string; value: CfnValue } | undefined;
}

function createRegistry(stacks: NamedTemplate[], aws: LocalAws, suffix: string, names: Record<string, string>): Registry {
  const region = aws.region;
  const accountId = aws.accountId;
  const resources = new Map<ResourceKey, ProvisionedResource>();
  const outputs = new Map<string, Map<string, string>>();
  const exports = new Map<string, string>();
  const resolvingOutputs = new Set<string>();

  const registry: Registry = {
    stacks,
    region,
    accountId,
    resources,
    names,
    suffix,
    outputs,
    exports,
    stack(name) {
      const found = stacks.find((s) => s.stackName === name);
      if (!found) throw new Error(`No template for stack ${name} (known: ${stacks.map((s) => s.stackName).join(', ')})`);
      return found;
    },
    lookup(stackName, logicalId) {
      const key: ResourceKey = `${stackName}/${logicalId}`;
      const existing = resources.get(key);
      if (existing) return existing;
      const resource = registry.stack(stackName).template.Resources?.[logicalId];
      if (!resource) throw new Error(`Reference to unknown resource ${logicalId} in stack ${stackName}`);
      if (EMULATED_TYPES.has(resource.Type)) {
        throw new Error(`${resource.Type} ${stackName}/${logicalId} is referenced before it was created`);
      }
      // Not emulated: give it a stable name so references resolve.
      const props = resource.Properties ?? {};
      const nameProp = NAME_PROPERTIES[resource.Type];
      const explicit = nameProp && typeof props[nameProp] === 'string' ? (props[nameProp] as string) : undefined;
      const name = explicit ?? names[key] ?? physicalName(resource.Type, logicalId, suffix, props);
      names[key] = name;
      const arn = placeholderArn(resource.Type, name, region, accountId);
      const ref = resource.Type === 'AWS::SNS::Topic' ? arn : name;
      const placeholder: ProvisionedResource = {
        stackName,
        logicalId,
        type: resource.Type,
        ref,
        name,
        attributes: { Arn: arn },
        created: false,
      };
      resources.set(key, placeholder);
      return placeholder;
    },
    contextFor(stackName) {
      return {
        stackName,
        pseudo(name) {
          switch (name) {
            case 'AWS::Region':
              return region;
            case 'AWS::AccountId':
              return accountId;
            case 'AWS::Partition':
              return 'aws';
            case 'AWS::URLSuffix':
              return 'amazonaws.com';
            case 'AWS::StackName':
              return stackName;
            case 'AWS::StackId':
              return `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/00000000-0000-0000-0000-000000000000`;
            case 'AWS::NotificationARNs':
              return [];
            case 'AWS::NoValue':
              return NO_VALUE;
            default:
              return undefined;
          }
        },
        parameter(name) {
          const parameter = registry.stack(stackName).template.Parameters?.[name];
          if (!parameter) return undefined;
          if (parameter.Default === undefined) throw new Error(`Parameter ${name} of stack ${stackName} has no Default`);
          return parameter.Default;
        },
        ref(logicalId) {
          return registry.lookup(stackName, logicalId).ref;
        },
        getAtt(logicalId, attribute) {
          const resource = registry.lookup(stackName, logicalId);
          const value = resource.attributes[attribute];
          if (value === undefined) {
            throw new Error(
              `Fn::GetAtt ${logicalId}.${attribute}: attribute ${attribute} of ${resource.type} is not available locally ` +
                `(available: ${Object.keys(resource.attributes).join(', ')})`,
            );
          }
          return value;
        },
        importValue(exportName) {
          const cached = exports.get(exportName);
          if (cached !== undefined) return cached;
          const found = findOutput(stackName, { exportName });
          if (!found) throw new Error(`Fn::ImportValue: no stack exports ${exportName}`);
          const value = resolveOutput(found.stackName, found.outputName);
          exports.set(exportName, value);
          return value;
        },
        stackOutput(otherStack, outputName) {
          registry.stack(otherStack);
          return resolveOutput(otherStack, outputName);
        },
      };
    },
    resolve(value, stackName, path = stackName) {
      return resolveValue(value, registry.contextFor(stackName), path);
    },
    outputValue: () => undefined, // replaced below
  };

  function exportNameOf(stackName: string, outputName: string): string | undefined {
    const output = registry.stack(stackName).template.Outputs?.[outputName];
    if (!output?.Export) return undefined;
    return expectString(
      registry.resolve(output.Export.Name, stackName, `${stackName}.Outputs.${outputName}.Export.Name`),
      'Export.Name',
      outputName,
    );
  }

  function findOutput(_from: string, name: { exportName: string }): { stackName: string; outputName: string } | undefined {
    for (const { stackName, template } of stacks) {
      for (const outputName of Object.keys(template.Outputs ?? {})) {
        if (exportNameOf(stackName, outputName) === name.exportName) return { stackName, outputName };
      }
    }
    return undefined;
  }

  function resolveOutput(stackName: string, outputName: string): string {
    const perStack = outputs.get(stackName) ?? new Map<string, string>();
    outputs.set(stackName, perStack);
    const cached = perStack.get(outputName);
    if (cached !== undefined) return cached;
    const output = registry.stack(stackName).template.Outputs?.[outputName];
    if (!output) throw new Error(`Stack ${stackName} has no Output ${outputName}`);
    const key = `${stackName}/${outputName}`;
    if (resolvingOutputs.has(key)) throw new Error(`Circular output reference through ${key}`);
    resolvingOutputs.add(key);
    try {
      const value = expectString(
        registry.resolve(output.Value, stackName, `${stackName}.Outputs.${outputName}.Value`),
        'Output value',
        key,
      );
      perStack.set(outputName, value);
      return value;
    } finally {
      resolvingOutputs.delete(key);
    }
  }

  registry.outputValue = (fromStack, name) => {
    if (name.exportName !== undefined) {
      const found = findOutput(fromStack, { exportName: name.exportName });
      if (!found) return undefined;
      const output = registry.stack(found.stackName).template.Outputs![found.outputName]!;
      return { stackName: found.stackName, value: output.Value };
    }
    const output = registry.stack(fromStack).template.Outputs?.[name.outputName!];
    return output ? { stackName: fromStack, value: output.Value } : undefined;
  };

  return registry;
}

function dependenciesOf(registry: Registry, value: CfnValue, stackName: string): ResourceKey[] {
  // names of imports/outputs never depend on resources in CDK output, so resolving them eagerly is safe
  const literal = (v: CfnValue, s: string) => registry.resolve(v, s);
  return [...collectDependencies(value, stackName, registry.outputValue, literal)];
}

/**
 * Creates every table, bucket and queue of the templates in the local emulators, wires bucket notifications to
 * their queues and resolves all Outputs / Exports. Idempotent for a persistent LocalAws (names are remembered).
 */
export async function provisionFromTemplates(
  templates: readonly TemplateInput[],
  aws: LocalAws,
  options: ProvisionOptions = {},
): Promise<ProvisionedResources> {
  const log = options.log ?? (() => {});
  const stacks = normalizeTemplates(templates);
  const namesFile = aws.persistent ? join(aws.dataDir, 'provisioned-names.json') : undefined;
  const remembered =
    namesFile && existsSync(namesFile)
      ? (JSON.parse(readFileSync(namesFile, 'utf8')) as { suffix: string; names: Record<string, string> })
      : undefined;
  const suffix = options.suffix ?? remembered?.suffix ?? randomSuffix();
  const registry = createRegistry(stacks, aws, suffix, { ...(remembered?.names ?? {}) });

  const clientConfig = { region: aws.region, credentials: { ...aws.credentials } };
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: aws.endpoints.dynamodb });
  const s3 = new S3Client({
    ...clientConfig,
    endpoint: aws.endpoints.s3,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const sqs = new SQSClient({ ...clientConfig, endpoint: aws.endpoints.sqs, useQueueUrlAsEndpoint: false });

  const tables: ProvisionedTable[] = [];
  const inProgress = new Set<ResourceKey>();
  const done = new Set<ResourceKey>();

  const ensure = async (key: ResourceKey): Promise<void> => {
    if (done.has(key)) return;
    const slash = key.indexOf('/');
    const stackName = key.slice(0, slash);
    const logicalId = key.slice(slash + 1);
    const resource = registry.stack(stackName).template.Resources?.[logicalId];
    // a Ref to a parameter, a dangling reference (resolving reports it) or a type that only gets a name
    if (!resource || !EMULATED_TYPES.has(resource.Type)) return;
    if (inProgress.has(key)) throw new Error(`Circular reference through ${key}`);
    inProgress.add(key);
    // Only the properties the emulators use are resolved, so an intrinsic elsewhere (encryption, lifecycle, …)
    // cannot stop local provisioning.
    const raw = resource.Properties ?? {};
    const used = USED_PROPERTIES[resource.Type]!;
    const ignored = Object.keys(raw).filter((k) => !used.includes(k) && k !== 'Tags');
    if (ignored.length > 0) log(`provision: ${stackName}/${logicalId}: not emulated locally: ${ignored.join(', ')}`);
    const picked = Object.fromEntries(Object.entries(raw).filter(([k]) => used.includes(k)));
    for (const dep of dependenciesOf(registry, picked, stackName)) {
      if (dep !== key) await ensure(dep);
    }
    const path = `${stackName}.Resources.${logicalId}.Properties`;
    const props = (registry.resolve(picked, stackName, path) ?? {}) as Record<string, unknown>;
    const nameProp = NAME_PROPERTIES[resource.Type]!;
    const name =
      (typeof props[nameProp] === 'string' ? (props[nameProp] as string) : undefined) ??
      registry.names[key] ??
      physicalName(resource.Type, logicalId, suffix, props);
    registry.names[key] = name;
    const base = { stackName, logicalId, type: resource.Type, name, created: true };
    let provisioned: ProvisionedResource;
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const description = await createTable(dynamodb, name, props, log);
        const attributes: Record<string, string> = { Arn: description.TableArn! };
        if (description.LatestStreamArn) attributes.StreamArn = description.LatestStreamArn;
        const table: ProvisionedTable = { ...base, ref: name, attributes, description };
        tables.push(table);
        provisioned = table;
        break;
      }
      case 'AWS::S3::Bucket': {
        await createBucket(s3, name, log);
        provisioned = {
          ...base,
          ref: name,
          attributes: {
            Arn: `arn:aws:s3:::${name}`,
            DomainName: `${name}.s3.amazonaws.com`,
            RegionalDomainName: `${name}.s3.${aws.region}.amazonaws.com`,
            DualStackDomainName: `${name}.s3.dualstack.${aws.region}.amazonaws.com`,
            WebsiteURL: `http://${name}.s3-website-${aws.region}.amazonaws.com`,
          },
        };
        break;
      }
      case 'AWS::SQS::Queue': {
        const { url, arn } = await createQueue(sqs, aws.endpoints.sqs, name, props);
        provisioned = { ...base, ref: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
        break;
      }
      default:
        throw new Error(`unreachable: ${resource.Type}`);
    }
    registry.resources.set(key, provisioned);
    done.add(key);
    inProgress.delete(key);
    log(`provision: ${resource.Type} ${stackName}/${logicalId} → ${name}`);
  };

  try {
    for (const { stackName, template } of stacks) {
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        if (EMULATED_TYPES.has(resource.Type)) await ensure(`${stackName}/${logicalId}`);
      }
    }

    // Outputs and exports (after creation, so every value is known)
    const outputs: Record<string, Record<string, string>> = {};
    const exportsOut: Record<string, string> = {};
    for (const { stackName, template } of stacks) {
      outputs[stackName] = {};
      for (const [outputName, output] of Object.entries(template.Outputs ?? {})) {
        let value: string;
        try {
          value = registry.contextFor(stackName).stackOutput(stackName, outputName);
        } catch (err) {
          // only fatal if something imports it (resolving that reference reports the same error)
          log(`provision: output ${stackName}.${outputName} cannot be resolved locally: ${(err as Error).message}`);
          continue;
        }
        outputs[stackName]![outputName] = value;
        if (output.Export) {
          const exportName = expectString(registry.resolve(output.Export.Name, stackName), 'Export.Name', outputName);
          if (exportName in exportsOut) throw new Error(`Export ${exportName} is defined twice`);
          exportsOut[exportName] = value;
          registry.exports.set(exportName, value);
        }
      }
    }

    // Bucket → queue notifications
    const queuesByArn = new Map<string, ProvisionedResource>();
    for (const r of registry.resources.values()) if (r.type === 'AWS::SQS::Queue') queuesByArn.set(r.attributes.Arn!, r);
    const rules: QueueNotificationRule[] = [];
    for (const { stackName, template } of stacks) {
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        const path = `${stackName}.Resources.${logicalId}.Properties`;
        if (resource.Type === 'Custom::S3BucketNotifications') {
          const props = registry.resolve(
            { BucketName: resource.Properties?.BucketName, NotificationConfiguration: resource.Properties?.NotificationConfiguration },
            stackName,
            path,
          ) as { BucketName: string; NotificationConfiguration?: NotificationConfiguration };
          rules.push(...notificationRules(props.BucketName, props.NotificationConfiguration ?? {}, queuesByArn, `${stackName}/${logicalId}`, log));
        } else if (resource.Type === 'AWS::S3::Bucket' && resource.Properties?.NotificationConfiguration) {
          const bucket = registry.lookup(stackName, logicalId).name;
          const config = registry.resolve(resource.Properties.NotificationConfiguration, stackName, path) as CfnNotificationConfiguration;
          rules.push(...cfnNotificationRules(bucket, config, queuesByArn, `${stackName}/${logicalId}`, log));
        }
      }
    }
    const notifications = forwardObjectCreatedNotifications(aws, rules, {
      log,
      ...(options.sendTestEvent ? { sendTestEvent: true } : {}),
    });
    for (const rule of rules) {
      log(`provision: notify ${rule.queueArn} of ${rule.events.join(',')} in ${rule.bucket} (prefix ${rule.prefix ?? '-'}, suffix ${rule.suffix ?? '-'})`);
    }

    if (namesFile) writeFileSync(namesFile, JSON.stringify({ suffix, names: registry.names }, null, 2));

    const all = () => [...registry.resources.values()];
    const queues = all()
      .filter((r) => r.type === 'AWS::SQS::Queue')
      .map((r) => ({ ...r, url: r.ref, arn: r.attributes.Arn! }));
    return {
      region: aws.region,
      accountId: aws.accountId,
      stacks,
      get resources() {
        return all();
      },
      tables,
      buckets: all().filter((r) => r.type === 'AWS::S3::Bucket'),
      queues,
      exports: exportsOut,
      outputs,
      notificationRules: rules,
      notifications,
      find(logicalId, opts = {}) {
        const candidates = stacks
          .filter((s) => !opts.stackName || s.stackName === opts.stackName)
          .flatMap((s) =>
            Object.entries(s.template.Resources ?? {})
              .filter(([id, r]) => (id === logicalId || id.startsWith(logicalId)) && (!opts.type || r.Type === opts.type))
              .map(([id]) => ({ stackName: s.stackName, id })),
          );
        const exact = candidates.filter((c) => c.id === logicalId);
        const chosen = exact.length > 0 ? exact : candidates;
        if (chosen.length !== 1) {
          throw new Error(
            `find(${logicalId}): ${chosen.length === 0 ? 'no resource' : `ambiguous: ${chosen.map((c) => `${c.stackName}/${c.id}`).join(', ')}`}`,
          );
        }
        return registry.lookup(chosen[0]!.stackName, chosen[0]!.id);
      },
      resolve(value, stackName) {
        return registry.resolve(value, stackName);
      },
      [REGISTRY]: registry,
    } as ProvisionedResources;
  } finally {
    dynamodb.destroy();
    s3.destroy();
    sqs.destroy();
  }
}

async function createTable(
  client: DynamoDBClient,
  name: string,
  props: Record<string, unknown>,
  log: (msg: string) => void,
): Promise<TableDescription> {
  type Index = { IndexName: string; KeySchema: unknown; Projection: unknown };
  const stripIndex = (index: Index) => ({ IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection });
  const billing = props.BillingMode;
  if (billing !== undefined && billing !== 'PAY_PER_REQUEST') {
    log(`provision: table ${name}: BillingMode ${String(billing)} is created as PAY_PER_REQUEST locally`);
  }
  const stream = props.StreamSpecification as { StreamViewType?: string } | undefined;
  const input = {
    TableName: name,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    ...(Array.isArray(props.GlobalSecondaryIndexes) && props.GlobalSecondaryIndexes.length > 0
      ? { GlobalSecondaryIndexes: (props.GlobalSecondaryIndexes as Index[]).map(stripIndex) }
      : {}),
    ...(Array.isArray(props.LocalSecondaryIndexes) && props.LocalSecondaryIndexes.length > 0
      ? { LocalSecondaryIndexes: (props.LocalSecondaryIndexes as Index[]).map(stripIndex) }
      : {}),
    ...(stream?.StreamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } } : {}),
  } as CreateTableCommandInput;
  try {
    await client.send(new CreateTableCommand(input));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
    log(`provision: table ${name} already exists, reusing it`);
  }
  let description: TableDescription | undefined;
  for (let i = 0; i < 300; i++) {
    description = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
    const indexesActive = (description?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (description?.TableStatus === 'ACTIVE' && indexesActive) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (description?.TableStatus !== 'ACTIVE') throw new Error(`Table ${name} did not become ACTIVE`);

  const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean | string } | undefined;
  if (ttl?.AttributeName && (ttl.Enabled === true || ttl.Enabled === 'true')) {
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
        }),
      );
    } catch (err) {
      // a persistent table keeps its TTL setting across runs
      if (!/already enabled/i.test(String((err as Error).message))) throw err;
    }
  }
  return description;
}

async function createBucket(client: S3Client, name: string, log: (msg: string) => void) {
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (err) {
    const code = (err as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
    log(`provision: bucket ${name} already exists, reusing it`);
  }
}

async function createQueue(
  client: SQSClient,
  endpoint: string,
  name: string,
  props: Record<string, unknown>,
): Promise<{ url: string; arn: string }> {
  const attributes: Record<string, string> = {};
  for (const key of QUEUE_ATTRIBUTES) if (props[key] !== undefined) attributes[key] = String(props[key]);
  for (const key of ['RedrivePolicy', 'RedriveAllowPolicy']) {
    const value = props[key];
    if (value !== undefined) attributes[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const arn = (
    await client.send(new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  if (!created.QueueUrl || !arn) throw new Error(`CreateQueue ${name} returned no URL/ARN`);
  // A persisted queue keeps the URL of the run that created it; always hand out the current endpoint.
  const url = new URL(new URL(created.QueueUrl).pathname, endpoint).href;
  return { url, arn };
}

// ---------------------------------------------------------------------------------------------------------------
// Notification configurations

/** The shape CDK's Custom::S3BucketNotifications passes to PutBucketNotificationConfiguration. */
interface NotificationConfiguration {
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
interface CfnNotificationConfiguration {
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

function notificationRules(
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

function cfnNotificationRules(
  bucket: string,
  config: CfnNotificationConfiguration,
  queuesByArn: Map<string, ProvisionedResource>,
  where: string,
  log: (msg: string) => void,
): QueueNotificationRule[] {
  warnUnsupported(config, where, log);
  return (config.QueueConfigurations ?? []).map((qc) => {
    const queue = queueFor(qc.Queue, queuesByArn, where);
    return { bucket, queueUrl: queue.ref, queueArn: qc.Queue, events: [qc.Event], ...keyFilter(qc.Filter?.S3Key?.Rules) };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Lambda functions

const CDK_INTERNAL_FUNCTION = new RegExp(
  '^(BucketNotificationsHandler|CustomS3AutoDeleteObjects|LogRetention|CustomCDKBucketDeployment|' +
    'AWS679f53fac002430cb0da5b7982bd2287)',
);

/**
 * For each AWS::Lambda::Function (whose logical id starts with `logicalIdPrefix`, if given): its environment with
 * Ref / GetAtt / ImportValue / GetStackOutput resolved to local names and URLs, and its SQS event source mappings.
 * `templates` must be the templates given to provisionFromTemplates (same stack names / order).
 */
export function resolveFunctionEnvironment(
  templates: readonly TemplateInput[],
  provisioned: ProvisionedResources,
  logicalIdPrefix = '',
): LocalFunctionConfig[] {
  const registry = (provisioned as ProvisionedResources & { [REGISTRY]: Registry })[REGISTRY];
  if (!registry) throw new Error('resolveFunctionEnvironment needs the result of provisionFromTemplates');
  const stacks = normalizeTemplates(templates);
  for (const { stackName } of stacks) registry.stack(stackName);

  const queuesByArn = new Map<string, ProvisionedResource>();
  for (const r of registry.resources.values()) if (r.type === 'AWS::SQS::Queue') queuesByArn.set(r.attributes.Arn!, r);

  const result: LocalFunctionConfig[] = [];
  for (const { stackName, template } of stacks) {
    const resources = Object.entries(template.Resources ?? {});
    const mappings = resources.filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping');
    for (const [logicalId, resource] of resources) {
      if (resource.Type !== 'AWS::Lambda::Function' || !logicalId.startsWith(logicalIdPrefix)) continue;
      const props = resource.Properties ?? {};
      const path = `${stackName}.Resources.${logicalId}.Properties`;
      const variables = (props.Environment as { Variables?: Record<string, CfnValue> } | undefined)?.Variables ?? {};
      const environment: Record<string, string> = {};
      for (const [name, value] of Object.entries(variables)) {
        const resolved = registry.resolve(value, stackName, `${path}.Environment.Variables.${name}`);
        environment[name] = typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
      }
      const self = registry.lookup(stackName, logicalId);
      const eventSources: LocalEventSourceMapping[] = [];
      for (const [mappingId, mapping] of mappings) {
        const mp = mapping.Properties ?? {};
        const target = registry.resolve(mp.FunctionName, stackName, `${stackName}.Resources.${mappingId}.Properties.FunctionName`);
        if (target !== self.name && target !== self.attributes.Arn) continue;
        const m = registry.resolve(mp, stackName, `${stackName}.Resources.${mappingId}.Properties`) as {
          EventSourceArn: string;
          BatchSize?: number;
          MaximumBatchingWindowInSeconds?: number;
          FunctionResponseTypes?: string[];
          ScalingConfig?: { MaximumConcurrency?: number };
          Enabled?: boolean | string;
        };
        const queue = queuesByArn.get(m.EventSourceArn);
        eventSources.push({
          logicalId: mappingId,
          eventSourceArn: m.EventSourceArn,
          ...(queue ? { queueUrl: queue.ref } : {}),
          batchSize: Number(m.BatchSize ?? 10),
          ...(m.MaximumBatchingWindowInSeconds !== undefined
            ? { maximumBatchingWindowInSeconds: Number(m.MaximumBatchingWindowInSeconds) }
            : {}),
          functionResponseTypes: m.FunctionResponseTypes ?? [],
          ...(m.ScalingConfig?.MaximumConcurrency !== undefined
            ? { maximumConcurrency: Number(m.ScalingConfig.MaximumConcurrency) }
            : {}),
          enabled: m.Enabled === undefined ? true : m.Enabled === true || m.Enabled === 'true',
        });
      }
      const metadata = resource.Metadata ?? {};
      result.push({
        stackName,
        logicalId,
        functionName: self.name,
        ...(typeof props.Handler === 'string' ? { handler: props.Handler } : {}),
        ...(typeof props.Runtime === 'string' ? { runtime: props.Runtime } : {}),
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySize: Number(props.MemorySize ?? 128),
        ...(props.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: Number(props.ReservedConcurrentExecutions) } : {}),
        environment,
        ...(typeof metadata['aws:cdk:path'] === 'string' ? { cdkPath: metadata['aws:cdk:path'] } : {}),
        ...(typeof metadata['aws:asset:path'] === 'string' ? { assetPath: metadata['aws:asset:path'] } : {}),
        cdkInternal: CDK_INTERNAL_FUNCTION.test(logicalId),
        eventSources,
      });
    }
  }
  return result;
}
