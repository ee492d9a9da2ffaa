/** Creates tables, buckets, queues and Cognito user pools in the emulators from the template properties they honour. */
import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  type CreateUserPoolClientCommandInput,
  type CreateUserPoolCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
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
// What cognito-local stores of a pool (it enforces neither the password policy nor MFA settings, see local/README.md).
const USER_POOL_PROPERTIES = [
  'UserPoolName',
  'Policies',
  'Schema',
  'UsernameAttributes',
  'AliasAttributes',
  'AutoVerifiedAttributes',
  'MfaConfiguration',
  'AdminCreateUserConfig',
  'AccountRecoverySetting',
  'UsernameConfiguration',
  'UserAttributeUpdateSettings',
];
const USER_POOL_CLIENT_PROPERTIES = [
  'UserPoolId',
  'ClientName',
  'GenerateSecret',
  'ExplicitAuthFlows',
  'AllowedOAuthFlows',
  'AllowedOAuthFlowsUserPoolClient',
  'AllowedOAuthScopes',
  'CallbackURLs',
  'LogoutURLs',
  'SupportedIdentityProviders',
  'IdTokenValidity',
  'AccessTokenValidity',
  'RefreshTokenValidity',
  'TokenValidityUnits',
  'PreventUserExistenceErrors',
  'EnableTokenRevocation',
  'ReadAttributes',
  'WriteAttributes',
];
/** The properties of each emulated type that the local stack honours. */
export const USED_PROPERTIES: Record<string, string[]> = {
  'AWS::DynamoDB::Table': TABLE_PROPERTIES,
  'AWS::DynamoDB::GlobalTable': TABLE_PROPERTIES,
  'AWS::S3::Bucket': ['BucketName', 'NotificationConfiguration'],
  'AWS::SQS::Queue': ['QueueName', 'RedrivePolicy', 'RedriveAllowPolicy', ...QUEUE_ATTRIBUTES],
  'AWS::Cognito::UserPool': USER_POOL_PROPERTIES,
  'AWS::Cognito::UserPoolClient': USER_POOL_CLIENT_PROPERTIES,
  'AWS::Cognito::UserPoolGroup': ['UserPoolId', 'GroupName', 'Description', 'Precedence'],
};
export const EMULATED_TYPES = new Set(Object.keys(USED_PROPERTIES));

export async function createTable(
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

export async function createBucket(client: S3Client, name: string, log: (msg: string) => void) {
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (err) {
    const code = (err as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
    log(`provision: bucket ${name} already exists, reusing it`);
  }
}

export async function createQueue(
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

/**
 * A user pool named `name`: the existing one of that name (a persistent stack's earlier run), else a new one. Returns
 * its id (cognito-local's `local_…`, where AWS has `<region>_…`).
 */
export async function createUserPool(client: CognitoIdentityProviderClient, name: string, props: Record<string, unknown>, log: (msg: string) => void): Promise<string> {
  const existing = await findUserPool(client, name);
  if (existing) {
    log(`provision: user pool ${name} already exists, reusing it`);
    return existing;
  }
  const { UserPoolName: _ignored, ...rest } = props;
  const created = await client.send(new CreateUserPoolCommand({ ...rest, PoolName: name } as CreateUserPoolCommandInput));
  if (!created.UserPool?.Id) throw new Error(`CreateUserPool ${name} returned no id`);
  return created.UserPool.Id;
}

async function findUserPool(client: CognitoIdentityProviderClient, name: string): Promise<string | undefined> {
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListUserPoolsCommand({ MaxResults: 60, ...(NextToken ? { NextToken } : {}) }));
    const found = page.UserPools?.find((p) => p.Name === name);
    if (found?.Id) return found.Id;
    NextToken = page.NextToken;
  } while (NextToken);
  return undefined;
}

/** The app client named `name` in the pool (reused on a persistent stack), else a new one. Returns its client id. */
export async function createUserPoolClient(client: CognitoIdentityProviderClient, name: string, props: Record<string, unknown>, log: (msg: string) => void): Promise<string> {
  const userPoolId = String(props.UserPoolId);
  const listed = await client.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  const existing = listed.UserPoolClients?.find((c) => c.ClientName === name);
  if (existing?.ClientId) {
    log(`provision: user pool client ${name} already exists, reusing it`);
    return existing.ClientId;
  }
  const created = await client.send(new CreateUserPoolClientCommand({ ...props, ClientName: name } as CreateUserPoolClientCommandInput));
  if (!created.UserPoolClient?.ClientId) throw new Error(`CreateUserPoolClient ${name} returned no client id`);
  return created.UserPoolClient.ClientId;
}

export async function createUserPoolGroup(client: CognitoIdentityProviderClient, name: string, props: Record<string, unknown>, log: (msg: string) => void): Promise<void> {
  try {
    await client.send(
      new CreateGroupCommand({
        UserPoolId: String(props.UserPoolId),
        GroupName: name,
        ...(typeof props.Description === 'string' ? { Description: props.Description } : {}),
        ...(props.Precedence !== undefined ? { Precedence: Number(props.Precedence) } : {}),
      }),
    );
  } catch (err) {
    if ((err as { name?: string }).name !== 'GroupExistsException') throw err;
    log(`provision: group ${name} already exists, reusing it`);
  }
}
