/** Physical names and placeholder ARNs, as CloudFormation would give them. */
import { randomBytes } from 'node:crypto';
import type { CfnValue } from './types.ts';

export function randomSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(6), (b) => alphabet[b % alphabet.length]).join('');
}

export function physicalName(type: string, logicalId: string, suffix: string, props: Record<string, CfnValue>): string {
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
export const NAME_PROPERTIES: Record<string, string> = {
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
  'AWS::Cognito::UserPool': 'UserPoolName',
  'AWS::Cognito::UserPoolClient': 'ClientName',
  'AWS::Cognito::UserPoolGroup': 'GroupName',
};

/** Placeholder ARNs for resources that exist only as names locally. */
export function placeholderArn(type: string, name: string, region: string, account: string): string {
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
