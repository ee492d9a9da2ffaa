import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, type IPrincipal, Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, CfnFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, type EnvName } from '../../contracts/settings.ts';
import { acknowledgeWildcard } from './nag.ts';
import { NAMESPACE } from '../dashboard-spec.ts';
import { V8_FLAGS } from '../runtime-flags.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

// NodejsFunction silently falls back to Docker when esbuild is missing; bundling here must stay local.
try {
  createRequire(import.meta.url).resolve('esbuild');
} catch {
  throw new Error('esbuild is not installed (run npm ci): Lambda bundles are built locally, never in Docker');
}

export const METRICS_NAMESPACE = NAMESPACE;
/** POWERTOOLS_SERVICE_NAME of every function: the `service` dimension of every metric they emit. */
export const SERVICE_NAME = NAMESPACE;

/** The item-level DynamoDB actions a function may be granted; no Scan, no PartiQL, nothing table-level. */
export type ItemAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'ConditionCheckItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';
const WRITE_ACTIONS: readonly ItemAction[] = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];

/** Some item actions, on the items whose partition key is one of `keys` (dynamodb:LeadingKeys). */
export interface ItemGrant {
  actions: readonly ItemAction[];
  /** `CUST#` = every partition key starting with it; `PEERS` = that key exactly. */
  keys: readonly string[];
}

/** What a function does with the table: exactly the calls it makes, on the kinds of items it touches. */
export interface TableBinding {
  items?: readonly ItemGrant[];
  /** GSIs it queries (Query only, by name, never `index/*`) */
  indexes?: readonly string[];
  envName?: EnvName;
}

export type QueueAccess = 'send' | 'consume';

/** Key prefixes (each ending in `/`) the function may read or write; nothing outside them, and never delete. */
export interface BucketAccess {
  read?: readonly string[];
  write?: readonly string[];
}

/** Whom a function may send mail as: one SES identity, one From address, optionally through one configuration set. */
export interface EmailSender {
  /** `arn:<partition>:ses:<region>:<account>:identity/<domain or address>` */
  identityArn: string;
  fromAddress: string;
  configurationSet?: IConfigurationSet;
}

export interface KamFunctionProps {
  /** Handler file relative to the repository root, e.g. `functions/ingest-readings.ts`. */
  entry: string;
  handler?: string;
  description?: string;
  memorySize?: number;
  timeout?: Duration;
  /** Only names the functions read (contracts/settings.ts ENV). */
  environment?: Partial<Record<EnvName, string>>;
  reservedConcurrentExecutions?: number;
}

/**
 * The one Lambda shape of this project: Node 24 on ARM64, ESM bundle with source maps, X-Ray, JSON logs into an
 * explicit log group, and a role that starts empty (no managed policies). `bind*` methods add an environment
 * variable and the matching least-privilege grant in one call.
 */
export class KamFunction extends Construct implements IGrantable {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: KamFunctionProps) {
    super(scope, id);

    // A year covers a full billing cycle of statements and notices that a customer may dispute.
    this.logGroup = new LogGroup(this, 'LogGroup', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    // Own role instead of AWSLambdaBasicExecutionRole: log writes are granted on this function's log group only.
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.grantPrincipal = this.role;
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      ...(props.description ? { description: props.description } : {}),
      ...(props.reservedConcurrentExecutions ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      environment: {
        // A 16 MB young generation keeps streaming ingest near 140 MB resident; V8's default lets it grow to ~250 MB
        // of mostly garbage for no speed gain (npm run bench measures both).
        NODE_OPTIONS: `--enable-source-maps ${V8_FLAGS.join(' ')}`,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        // CommonJS dependencies call require(), which ESM output does not define.
        banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Ship the SDK version the tests ran against instead of whatever the runtime has.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
      },
    });
    // The construct id is the template's logical id (IngestReadings), stable across refactors.
    (this.function.node.defaultChild as CfnFunction).overrideLogicalId(id);
    // The local runner reads this to run the same handler source on the local AWS stack.
    (this.function.node.defaultChild as CfnFunction).addMetadata('kam:entry', props.entry);

    acknowledgeWildcard(this.policy, 'Resource', '*', 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions (Tracing.ACTIVE).');
  }

  addEnvironment(name: EnvName, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /**
   * Exactly the item actions the function calls, each limited to the partition keys it touches (dynamodb:LeadingKeys),
   * and Query on the named GSIs only.
   */
  bindTable(table: ITable, binding: TableBinding): this {
    for (const grant of binding.items ?? []) {
      if (grant.actions.length === 0 || grant.keys.length === 0) throw new Error('an item grant needs actions and partition keys');
      for (const key of grant.keys) {
        if (!/^[A-Z][A-Z0-9_]*#?$/.test(key)) throw new Error(`partition key "${key}" must look like "CUST#" (a prefix) or "PEERS" (exact), no wildcard`);
      }
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: grant.actions.map((a) => `dynamodb:${a}`),
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': grant.keys.map((k) => (k.endsWith('#') ? `${k}*` : k)) } },
        }),
      );
    }
    if (binding.indexes?.length) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['dynamodb:Query'], resources: binding.indexes.map((name) => `${table.tableArn}/index/${name}`) }),
      );
    }
    if (table.encryptionKey) {
      const writes = (binding.items ?? []).some((g) => g.actions.some((a) => WRITE_ACTIONS.includes(a)));
      if (writes) table.encryptionKey.grantEncryptDecrypt(this.role);
      else table.encryptionKey.grantDecrypt(this.role);
    }
    return this.addEnvironment(binding.envName ?? ENV.tableName, table.tableName);
  }

  /** GetObject(Version) under `read` prefixes, PutObject under `write` prefixes; no List, no Delete, no bucket-level actions. */
  bindBucket(bucket: IBucket, access: BucketAccess, envName: EnvName = ENV.bucketName): this {
    const grant = (actions: string[], prefixes: readonly string[], verb: string): void => {
      if (prefixes.length === 0) return;
      const resources = prefixes.map((prefix) => {
        if (!/^[^*]+\/$/.test(prefix)) throw new Error(`bucket prefix "${prefix}" must end with "/" and hold no wildcard`);
        return bucket.arnForObjects(`${prefix}*`);
      });
      this.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
      resources.forEach((arn, i) =>
        acknowledgeWildcard(this.policy, 'Resource', arn, `Object keys under ${prefixes[i]} are not known in advance; ${verb} is limited to that prefix.`),
      );
    };
    // GetObjectVersion: the bucket is versioned, and a file is read by the version its event announced.
    grant(['s3:GetObject', 's3:GetObjectVersion'], access.read ?? [], 'reading');
    // PutObject also covers multipart uploads; parts of an abandoned one expire by the bucket's lifecycle rule.
    grant(['s3:PutObject'], access.write ?? [], 'writing');
    if (bucket.encryptionKey) {
      if (access.write?.length) bucket.encryptionKey.grantEncryptDecrypt(this.role);
      else bucket.encryptionKey.grantDecrypt(this.role);
    }
    return this.addEnvironment(envName, bucket.bucketName);
  }

  bindQueue(queue: IQueue, access: QueueAccess, envName: EnvName): this {
    if (access === 'send') queue.grantSendMessages(this.role);
    else queue.grantConsumeMessages(this.role);
    return this.addEnvironment(envName, queue.queueUrl);
  }

  /**
   * ses:SendEmail / ses:SendRawEmail on the identity (and configuration set) only, and only with the configured From
   * address, so a bug or injected input cannot send as anyone else. FROM_ADDRESS and SES_CONFIGURATION_SET tell the
   * handler what to send with; it must pass Source/From explicitly, as the condition key is checked against it.
   */
  bindEmail(sender: EmailSender): this {
    const resources = [sender.identityArn];
    if (sender.configurationSet) {
      // SES authorizes a send against the configuration set it names, too.
      resources.push(
        Stack.of(this).formatArn({ service: 'ses', resource: 'configuration-set', resourceName: sender.configurationSet.configurationSetName }),
      );
    }
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources,
        conditions: { StringEquals: { 'ses:FromAddress': sender.fromAddress } },
      }),
    );
    this.addEnvironment(ENV.fromAddress, sender.fromAddress);
    if (sender.configurationSet) this.addEnvironment(ENV.sesConfigurationSet, sender.configurationSet.configurationSetName);
    return this;
  }

  /** The role's default policy, where every grant of this function lands. */
  private get policy(): Policy {
    return this.role.node.findChild('DefaultPolicy') as Policy;
  }
}
