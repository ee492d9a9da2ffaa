import { describe, expect, it } from 'vitest';
import { arnMatch, evaluate, evaluateAll, wildcardMatch, type PolicyDocument } from '../../../../local/iam/policy.ts';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/Usage-abc';
const BUCKET = 'arn:aws:s3:::ingestbucket-abc';
const IDENTITY = 'arn:aws:ses:us-east-1:000000000000:identity/example.com';

const doc = (...Statement: PolicyDocument['Statement'][]): PolicyDocument => ({ Version: '2012-10-17', Statement: Statement.flat() });

describe('IAM policy evaluation', () => {
  const role = [
    doc([
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: TABLE },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: [`${TABLE}/index/bySegment`] },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/readings/*` },
      { Effect: 'Allow', Action: 'sqs:Send*', Resource: 'arn:aws:sqs:us-east-1:000000000000:AlertQueue-abc' },
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: TABLE,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DIGEST#*'] } },
      },
      { Effect: 'Allow', Action: ['ses:SendRawEmail'], Resource: [IDENTITY], Condition: { StringEquals: { 'ses:FromAddress': 'statements@example.com' } } },
    ]),
  ];

  it('allows an action the role grants on that resource', () => {
    expect(evaluate(role, { action: 'dynamodb:GetItem', resource: TABLE })).toMatchObject({ allowed: true, kind: 'allow' });
  });

  it('denies implicitly what no statement matches: other action, other resource', () => {
    expect(evaluate(role, { action: 'dynamodb:DeleteItem', resource: TABLE })).toEqual({ allowed: false, kind: 'implicit-deny' });
    expect(evaluate(role, { action: 'dynamodb:GetItem', resource: `${TABLE}-other` }).allowed).toBe(false);
  });

  it('matches actions case-insensitively and with wildcards', () => {
    expect(evaluate(role, { action: 'SQS:sendmessage', resource: 'arn:aws:sqs:us-east-1:000000000000:AlertQueue-abc' }).allowed).toBe(true);
    expect(evaluate(role, { action: 'sqs:SendMessageBatch', resource: 'arn:aws:sqs:us-east-1:000000000000:AlertQueue-abc' }).allowed).toBe(true);
    expect(evaluate(role, { action: 'sqs:ReceiveMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:AlertQueue-abc' }).allowed).toBe(false);
  });

  it('treats a GSI as its own resource: a grant on the table does not cover its indexes, only named ones', () => {
    expect(evaluate(role, { action: 'dynamodb:Query', resource: `${TABLE}/index/bySegment` }).allowed).toBe(true);
    expect(evaluate(role, { action: 'dynamodb:Query', resource: `${TABLE}/index/byDueDate` }).allowed).toBe(false);
  });

  it('matches S3 object ARNs by key prefix', () => {
    expect(evaluate(role, { action: 's3:GetObject', resource: `${BUCKET}/readings/2026/数据.csv` }).allowed).toBe(true);
    expect(evaluate(role, { action: 's3:GetObject', resource: `${BUCKET}/rejects/readings/x.csv` }).allowed).toBe(false);
    expect(evaluate(role, { action: 's3:GetObject', resource: `${BUCKET}/readings` }).allowed).toBe(false);
  });

  it('checks dynamodb:LeadingKeys (ForAllValues:StringLike): every partition key must fit', () => {
    const put = (keys: string[]) => evaluate(role, { action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': keys } }).allowed;
    expect(put(['DIGEST#m@x#2026-W48'])).toBe(true);
    expect(put(['CUST#KA0001'])).toBe(false);
    expect(put(['DIGEST#a', 'CUST#b'])).toBe(false);
  });

  it('checks ses:FromAddress (StringEquals), and a missing key fails a plain operator', () => {
    const send = (context?: Record<string, string>) => evaluate(role, { action: 'ses:SendRawEmail', resource: IDENTITY, ...(context ? { context } : {}) }).allowed;
    expect(send({ 'ses:FromAddress': 'statements@example.com' })).toBe(true);
    expect(send({ 'SES:fromaddress': 'statements@example.com' })).toBe(true);
    expect(send({ 'ses:FromAddress': 'ceo@example.com' })).toBe(false);
    expect(send()).toBe(false);
  });

  it('lets an explicit Deny win over any Allow', () => {
    const withDeny = [...role, doc({ Sid: 'NoIndexes', Effect: 'Deny', Action: 'dynamodb:*', Resource: `${TABLE}/index/*` })];
    expect(evaluate(withDeny, { action: 'dynamodb:Query', resource: `${TABLE}/index/bySegment` })).toEqual({ allowed: false, kind: 'explicit-deny', statement: 'NoIndexes' });
  });

  it('supports NotAction, IfExists, Null, negated operators and ForAnyValue', () => {
    const p = [
      doc([
        { Effect: 'Allow', NotAction: 'iam:*', Resource: '*', Condition: { StringEqualsIfExists: { 'aws:RequestedRegion': 'us-east-1' } } },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } } },
        { Effect: 'Deny', Action: 'sqs:*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': ['000000000000', '111111111111'] } } },
        { Effect: 'Deny', Action: 'dynamodb:BatchWriteItem', Resource: '*', Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } } },
      ]),
    ];
    expect(evaluate(p, { action: 'dynamodb:GetItem', resource: TABLE }).allowed).toBe(true);
    expect(evaluate(p, { action: 'dynamodb:GetItem', resource: TABLE, context: { 'aws:RequestedRegion': 'eu-west-1' } }).allowed).toBe(false);
    expect(evaluate(p, { action: 'iam:PassRole', resource: '*' }).allowed).toBe(false);
    expect(evaluate(p, { action: 's3:PutObject', resource: `${BUCKET}/a` }).kind).toBe('explicit-deny');
    expect(evaluate(p, { action: 's3:PutObject', resource: `${BUCKET}/a`, context: { 's3:x-amz-server-side-encryption': 'aws:kms' } }).allowed).toBe(true);
    expect(evaluate(p, { action: 'sqs:SendMessage', resource: '*', context: { 'aws:PrincipalAccount': '111111111111' } }).allowed).toBe(true);
    expect(evaluate(p, { action: 'sqs:SendMessage', resource: '*', context: { 'aws:PrincipalAccount': '222222222222' } }).allowed).toBe(false);
    expect(evaluate(p, { action: 'dynamodb:BatchWriteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['CUST#1', 'AUDIT#2'] } }).allowed).toBe(false);
    expect(evaluate(p, { action: 'dynamodb:BatchWriteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['CUST#1'] } }).allowed).toBe(true);
  });

  it('refuses a condition operator it does not know rather than ignoring it', () => {
    const p = [doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } })];
    expect(() => evaluate(p, { action: 's3:GetObject', resource: '*' })).toThrow(/unsupported condition operator DateGreaterThan/);
  });

  it('needs every check of a multi-resource call to pass (evaluateAll names the first denial)', () => {
    const verdict = evaluateAll(role, [
      { action: 'dynamodb:GetItem', resource: TABLE },
      { action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['CUST#1'] } },
    ]);
    expect(verdict).toMatchObject({ allowed: false, request: { action: 'dynamodb:PutItem' } });
  });

  it('wildcards: * spans anything (also "/" and ":"), ? one character; ARN segments compared one by one', () => {
    expect(wildcardMatch('a*c', 'a/b:c')).toBe(true);
    expect(wildcardMatch('a?c', 'abc')).toBe(true);
    expect(wildcardMatch('a?c', 'abbc')).toBe(false);
    expect(wildcardMatch('*#*', 'DIGEST#x')).toBe(true);
    expect(arnMatch('arn:aws:sqs:*:*:AlertQueue-*', 'arn:aws:sqs:us-east-1:000000000000:AlertQueue-abc')).toBe(true);
    expect(arnMatch('arn:aws:sqs:*:*:AlertQueue-*', 'arn:aws:sns:us-east-1:000000000000:AlertQueue-abc')).toBe(false);
  });
});
