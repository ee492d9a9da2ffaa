import { describe, expect, it } from 'vitest';
import { list, resourcesOfType, type Synthesized, synthDefaults } from './template-helpers.ts';

/**
 * Every permission of every function, derived from the synthesized template, against this table of why each is
 * needed. A grant added without a reason here, or a reason whose grant is gone, fails the test. One row per
 * action × resource (× DynamoDB partition keys).
 */
const LOGS = 'logs:CreateLogStream,logs:PutLogEvents <{fn}LogGroup.Arn>';
const XRAY = 'xray:PutTelemetryRecords,xray:PutTraceSegments *';
const COMMON: Record<string, string> = {
  [LOGS]: 'writes its own log group only (no AWSLambdaBasicExecutionRole)',
  [XRAY]: 'X-Ray tracing (Tracing.ACTIVE); these actions have no resource-level permissions',
};
const SES_SEND = 'ses:SendEmail,ses:SendRawEmail arn:aws:ses:<region>:<account>:configuration-set/<StatementsConfigSet>,arn:aws:ses:<region>:<account>:identity/example.com if ses:FromAddress=statements@example.com';
const ON_FAILURE = (dlq: string) => `sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage <${dlq}.Arn>`;
const CONSUME = (queue: string) => `sqs:ChangeMessageVisibility,sqs:DeleteMessage,sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:ReceiveMessage <${queue}.Arn>`;
const SEND_TO = (queue: string) => `sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage <${queue}.Arn>`;
const DEAD_LETTER = (dlq: string) => `sqs:SendMessage <${dlq}.Arn>`;
const DEAD_LETTER_REASON = 'moves a message that can never succeed (malformed, invalid) straight to its own dead-letter queue, without retries';
const ITEMS = (actions: string, keys: string) => `${actions} <UsageTable.Arn> if dynamodb:LeadingKeys⊆${keys}`;
const INDEX = (...names: string[]) => `dynamodb:Query ${names.map((n) => `<UsageTable.Arn>/index/${n}`).join(',')}`;

const GRANTS: Record<string, Record<string, string>> = {
  IngestReadings: {
    [ITEMS('dynamodb:GetItem', 'CUST#*,FILE#*,PAYREF#*,POPULATION')]: "claims the file in the ledger, guards a payment reference, reads customer profiles, alert states and the population marker's latest day",
    [ITEMS('dynamodb:PutItem', 'CUST#*,FILE#*,PAYREF#*')]: "claims the file in the ledger, guards a payment reference, writes alert states, records anomaly episodes and forecast snapshots, opens an anomaly episode's task",
    [ITEMS('dynamodb:UpdateItem', 'CUST#*,FILE#*,POPULATION')]: "records the file's outcome, writes customer master data and the touched customers' features and insights, extends anomaly episodes, closes a month's forecast, marks the population changed",
    [ITEMS('dynamodb:BatchGetItem', 'CUST#*,TARIFF#*,PEERS')]: "reads stored days, profiles and tariffs in batches, and the peer groups' median day (anomaly evidence)",
    [ITEMS('dynamodb:BatchWriteItem', 'CUST#*,TARIFF#*')]: 'writes days and tariffs in batches (never segments or peer figures: the population job does)',
    [ITEMS('dynamodb:Query', 'CUST#*')]: "reads a customer's days",
    [ITEMS('dynamodb:DeleteItem', 'CUST#*,FILE#*')]: "gives back the claim of a file whose processing failed; removes a day's old-shape meter entries when it moves them into meter items",
    [ITEMS('dynamodb:ConditionCheckItem', 'CUST#*')]: "a customer-day written in several transactions checks the day's revision in each",
    [INDEX('bySegment')]: 'lists customers (the meter directory) and tariffs',
    's3:GetObject,s3:GetObjectVersion <IngestBucket.Arn>/customers/*,<IngestBucket.Arn>/payments/*,<IngestBucket.Arn>/readings/*,<IngestBucket.Arn>/tariffs/*': 'reads the uploaded files under the four ingest prefixes, by the version its event announced',
    [ITEMS('dynamodb:GetItem,dynamodb:PutItem', 'FANOUT#*')]: 'starts the fan-out record of a file too large for one invocation',
    's3:PutObject <IngestBucket.Arn>/rejects/*,<IngestBucket.Arn>/staging/*': 'writes the rejects report of a file; stages the inflated parts of a large compressed file',
    [SEND_TO('AlertQueue')]: 'raises interim alerts (SendAlert mails them)',
    [SEND_TO('ChunkQueue')]: "queues a large file's chunk jobs",
    [CONSUME('IngestQueue')]: 'its event source: S3 notifications through SQS',
    [DEAD_LETTER('IngestDlq')]: DEAD_LETTER_REASON,
  },
  IngestChunks: {
    [ITEMS('dynamodb:GetItem', 'CUST#*,FILE#*,PAYREF#*,POPULATION')]: "reads customer profiles, alert states and the population marker's latest day (the same apply path as IngestReadings)",
    [ITEMS('dynamodb:PutItem', 'CUST#*,FILE#*,PAYREF#*')]: "writes alert states, records anomaly episodes and forecast snapshots, opens an anomaly episode's task (the shared apply grants)",
    [ITEMS('dynamodb:UpdateItem', 'CUST#*,FILE#*,POPULATION')]: "records the file's outcome when its last partition is applied, writes the touched customers' features and insights, extends anomaly episodes, closes a month's forecast, marks the population changed",
    [ITEMS('dynamodb:BatchGetItem', 'CUST#*,TARIFF#*,PEERS')]: "reads stored days, profiles and tariffs in batches, and the peer groups' median day (anomaly evidence)",
    [ITEMS('dynamodb:BatchWriteItem', 'CUST#*,TARIFF#*')]: 'writes days in batches (never segments or peer figures: the population job does)',
    [ITEMS('dynamodb:Query', 'CUST#*')]: "reads a customer's days",
    [ITEMS('dynamodb:DeleteItem', 'CUST#*,FILE#*')]: "removes a day's old-shape meter entries when it moves them into meter items",
    [ITEMS('dynamodb:ConditionCheckItem', 'CUST#*')]: "a customer-day written in several transactions checks the day's revision in each",
    [ITEMS('dynamodb:GetItem,dynamodb:UpdateItem', 'FANOUT#*')]: 'reads the fan-out record and counts chunks and partitions in it (conditional set updates)',
    [INDEX('bySegment')]: 'lists customers (the meter directory) and tariffs',
    's3:GetObject,s3:GetObjectVersion <IngestBucket.Arn>/customers/*,<IngestBucket.Arn>/payments/*,<IngestBucket.Arn>/readings/*,<IngestBucket.Arn>/tariffs/*,<IngestBucket.Arn>/staging/*': 'reads its byte range of the uploaded file (by the announced version) and the staged work of the fan-out',
    's3:PutObject <IngestBucket.Arn>/rejects/*,<IngestBucket.Arn>/staging/*': "writes the file's rejects report and its staged meter-days and summaries",
    [SEND_TO('AlertQueue')]: 'raises interim alerts (SendAlert mails them)',
    [SEND_TO('ChunkQueue')]: 'the finishing step queues the apply jobs on its own queue',
    [CONSUME('ChunkQueue')]: 'its event source: chunk and apply jobs',
    [DEAD_LETTER('ChunkDlq')]: DEAD_LETTER_REASON,
  },
  RunStatements: {
    [INDEX('bySegment')]: 'lists the customers to bill',
    [SEND_TO('StatementQueue')]: 'one statement job per customer',
    [ON_FAILURE('RunStatementsDlq')]: 'async invocation failures are kept',
  },
  SendStatement: {
    [ITEMS('dynamodb:GetItem', 'CUST#*,SUPPRESS#*')]: 'the customer profile and whether its address is suppressed',
    [ITEMS('dynamodb:BatchGetItem', 'CUST#*,TARIFF#*,PEERS')]: "the month's days, the tariff and the peer-group figures",
    [ITEMS('dynamodb:Query', 'CUST#*')]: 'earlier statement versions and history of the customer',
    [ITEMS('dynamodb:PutItem,dynamodb:UpdateItem', 'CUST#*')]: 'stores the statement version, claims its outbox, records the send, flags the superseded version',
    [SES_SEND]: 'emails the statement, only as the configured sender, through the configuration set',
    [CONSUME('StatementQueue')]: 'its event source',
    [DEAD_LETTER('StatementDlq')]: DEAD_LETTER_REASON,
  },
  SendAlert: {
    [ITEMS('dynamodb:GetItem', 'CUST#*,SUPPRESS#*')]: 'the alert item and whether the address is suppressed',
    [ITEMS('dynamodb:BatchGetItem', 'CUST#*')]: 'the customer profile',
    [ITEMS('dynamodb:UpdateItem', 'CUST#*')]: "claims the alert's outbox and records the send",
    [SES_SEND]: 'emails the alert',
    [CONSUME('AlertQueue')]: 'its event source',
    [DEAD_LETTER('AlertDlq')]: DEAD_LETTER_REASON,
  },
  SesFeedback: {
    [ITEMS('dynamodb:PutItem', 'SUPPRESS#*')]: 'suppresses the bouncing or complaining address',
    [INDEX('bySegment')]: 'finds the customers (and their account managers) behind the address',
    [SES_SEND]: 'tells the account manager',
    [ON_FAILURE('SesFeedbackDlq')]: 'async invocation failures are kept',
  },
  ScanArrears: {
    [ITEMS('dynamodb:BatchGetItem,dynamodb:Query,dynamodb:PutItem', 'CUST#*')]: "reads each customer's statements, payments and notices; records each decided notice before queueing it",
    [INDEX('bySegment')]: 'lists the customers',
    [SEND_TO('NoticeQueue')]: 'one notice job per decided notice',
    [ON_FAILURE('ScanArrearsDlq')]: 'async invocation failures are kept',
  },
  SendNotice: {
    [ITEMS('dynamodb:GetItem', 'CUST#*,SUPPRESS#*')]: 'the notice and whether the address is suppressed',
    [ITEMS('dynamodb:BatchGetItem,dynamodb:Query', 'CUST#*')]: 'the customer, its statement and payments (re-checked before sending)',
    [ITEMS('dynamodb:PutItem,dynamodb:UpdateItem', 'CUST#*')]: 'records the proof of notice and the phone-call task',
    [SES_SEND]: 'emails the notice',
    [CONSUME('NoticeQueue')]: 'its event source',
    [DEAD_LETTER('NoticeDlq')]: DEAD_LETTER_REASON,
  },
  ClassifyPopulation: {
    [ITEMS('dynamodb:GetItem,dynamodb:UpdateItem', 'POPULATION')]: 'reads the population marker, takes and gives back its lease, records the version classified',
    [ITEMS('dynamodb:UpdateItem', 'CUST#*')]: "writes each changed segment on its customer's profile",
    [ITEMS('dynamodb:PutItem', 'CUST#*')]: "a moved customer's playbook actions as its manager's tasks (conditional puts, once per move)",
    [ITEMS('dynamodb:BatchWriteItem', 'CUST#*,PEERS')]: 'appends segment history and writes the peer-group figures',
    [INDEX('bySegment')]: "reads every customer's profile: master data, stored features, current segment",
    [ON_FAILURE('ClassifyDlq')]: 'async invocation failures are kept',
  },
  ConsoleApi: {
    [ITEMS('dynamodb:GetItem,dynamodb:Query,dynamodb:BatchGetItem', 'CUST#*,TARIFF#*,PEERS')]: "reads the caller's customers and what hangs under them, tariffs for projected bills, the peer medians",
    [ITEMS('dynamodb:PutItem,dynamodb:UpdateItem,dynamodb:ConditionCheckItem', 'CUST#*')]: 'a person\'s writes under the customer (task outcome, hold, recommendation, decision, audit), each one conditional transaction',
    [INDEX('bySegment')]: 'lists the customers of a portfolio',
  },
  SendDigest: {
    [ITEMS('dynamodb:BatchGetItem,dynamodb:Query', 'CUST#*')]: "each manager's customers, their segment moves and notices",
    [ITEMS('dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem', 'DIGEST#*')]: 'the digest ledger: one item per manager and week, claimed (with a lease) before sending',
    [INDEX('bySegment')]: 'lists the customers',
    [SES_SEND]: 'emails each account manager',
    [ON_FAILURE('SendDigestDlq')]: 'async invocation failures are kept',
  },
};

/** `a,b r1,r2 if c` → `a r1 if c`, `a r2 if c`, `b r1 if c`, `b r2 if c`. */
function atoms(row: string): string[] {
  const [actions = '', resources = '', ...rest] = row.split(' ');
  const condition = rest.length ? ` ${rest.join(' ')}` : '';
  return actions.split(',').flatMap((a) => resources.split(',').map((r) => `${a} ${r}${condition}`));
}

function grantsOf(s: Synthesized, fn: string): string[] {
  return s.statementsOf(fn).map((st) => {
    expect(st.Effect, `${fn}: only Allow statements are expected`).toBe('Allow');
    const resources = list(st.Resource)
      .map(s.render)
      .map((r) => r.replace('arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:', 'arn:aws:ses:<region>:<account>:').replace(/configuration-set\/<StatementsConfigSet[^>]*>/, 'configuration-set/<StatementsConfigSet>'))
      .map((r) => r.replace(/<(\w+?)[0-9A-F]{8}\.Arn>/, '<$1.Arn>'))
      .sort();
    const conditions = Object.entries((st.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap(([op, block]) =>
      Object.entries(block).map(([key, values]) => {
        if (op === 'ForAllValues:StringLike' && key === 'dynamodb:LeadingKeys') return `dynamodb:LeadingKeys⊆${list(values as string[]).join(',')}`;
        if (op === 'StringEquals') return `${key}=${list(values as string[]).join(',')}`;
        return `${op}:${key}=${JSON.stringify(values)}`;
      }),
    );
    return `${list(st.Action).sort().join(',')} ${resources.join(',')}${conditions.length ? ` if ${conditions.join(' and ')}` : ''}`;
  });
}

describe('every permission of every function has a reason', () => {
  const synth = synthDefaults('grants');

  it('covers every function of the stack', () => {
    const functions = resourcesOfType(synth.s.statelessJson, 'AWS::Lambda::Function')
      .filter(([, r]) => r.Metadata?.['kam:entry'])
      .map(([id]) => id)
      .sort();
    expect(functions).toEqual(Object.keys(GRANTS).sort());
  });

  it.each(Object.keys(GRANTS))('%s: the template grants exactly the table', (fn) => {
    // CDK merges statements that share resources or actions, so both sides are compared as single action × resource.
    const expected = Object.keys({ ...COMMON, ...GRANTS[fn] }).map((row) => row.replace('{fn}', fn));
    expect([...new Set(grantsOf(synth.s, fn).flatMap(atoms))].sort()).toEqual([...new Set(expected.flatMap(atoms))].sort());
  });

  it('no function may Scan, use PartiQL or touch table-level settings', () => {
    const all = Object.keys(GRANTS).flatMap((fn) => grantsOf(synth.s, fn));
    expect(all.filter((g) => /dynamodb:(Scan|PartiQL|DescribeTable|\*)|^\*|,\*/.test(g.split(' ')[0]!))).toEqual([]);
  });
});
