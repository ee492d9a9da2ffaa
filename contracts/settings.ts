// contracts/: what infra/ sets and functions/ and cli/ read must agree, and none of them owns it (domain/ must not
// know env vars or table attributes); plain constants only, so every layer may import it.
import { DEFAULT_CONFIG } from '../domain/config.ts';

/** The environment variables a function reads (functions/commons/config.ts) and the stacks set (infra/). */
export const ENV = {
  tableName: 'TABLE_NAME',
  bucketName: 'BUCKET_NAME',
  timeZone: 'TIME_ZONE',
  quarantineShare: 'QUARANTINE_SHARE',
  maxInterpolatedGap: 'MAX_INTERPOLATED_GAP',
  windowDays: 'WINDOW_DAYS',
  headerAliases: 'HEADER_ALIASES',
  /** "true": wide reading files' values are multiplied by their 倍率 column (domain/config.ts applyMultiplier). */
  applyMultiplier: 'APPLY_MULTIPLIER',
  /** "day-start" (default) or "day-end": when a daily frozen register reading dated D was read (domain/config.ts frozenReadingAt). */
  frozenReadingAt: 'FROZEN_READING_AT',
  /** JSON object of anomaly thresholds that differ from domain/config.ts DEFAULT_ANOMALY_CONFIG, e.g. {"levelChange":0.25}. */
  anomalySettings: 'ANOMALY_SETTINGS',
  /** JSON object of forecast settings that differ from domain/config.ts DEFAULT_FORECAST, e.g. {"coverage":0.9}. */
  forecastSettings: 'FORECAST_SETTINGS',
  /** Console API: the Cognito user pool's issuer URL (https://cognito-idp.<region>.amazonaws.com/<pool id>); JWKS at <issuer>/.well-known/jwks.json. */
  consoleIssuer: 'CONSOLE_ISSUER',
  /** Console API: the user pool app client id the tokens must be issued to. */
  consoleClientId: 'CONSOLE_CLIENT_ID',
  /** Limits on one uploaded file (domain/config.ts FileLimits). */
  maxObjectBytes: 'MAX_OBJECT_BYTES',
  maxLineLength: 'MAX_LINE_LENGTH',
  maxDecompressedBytes: 'MAX_DECOMPRESSED_BYTES',
  maxCompressionRatio: 'MAX_COMPRESSION_RATIO',
  fanOutBytes: 'FAN_OUT_BYTES',
  chunkBytes: 'CHUNK_BYTES',
  compressedFanOutBytes: 'COMPRESSED_FAN_OUT_BYTES',
  /** The queue of a fanned-out file's chunk and apply jobs (IngestChunks consumes it). */
  chunkQueueUrl: 'CHUNK_QUEUE_URL',
  statementQueueUrl: 'STATEMENT_QUEUE_URL',
  noticeQueueUrl: 'NOTICE_QUEUE_URL',
  alertQueueUrl: 'ALERT_QUEUE_URL',
  /** A queue worker's own dead-letter queue: a message that can never succeed goes there at once, without retries. */
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  fromAddress: 'FROM_ADDRESS',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  maxSendRate: 'MAX_SEND_RATE',
  dueDays: 'DUE_DAYS',
  alertDemandShare: 'ALERT_DEMAND_SHARE',
  alertBillIncrease: 'ALERT_BILL_INCREASE',
  utilityNameEn: 'UTILITY_NAME_EN',
  utilityNameZh: 'UTILITY_NAME_ZH',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Business settings and their defaults; keys are the CDK context keys where a deployment may override them. */
export const DEFAULTS = {
  timeZone: DEFAULT_CONFIG.timeZone,
  quarantineShare: DEFAULT_CONFIG.quarantineShare,
  /** The From address of every statement, alert and account-manager notice. */
  sesFromAddress: 'statements@example.com',
  /** Emails per second per SendStatement worker. */
  maxSendRate: 10,
  statementConcurrency: 5,
  /** Days from the statement date to its due date. */
  dueDays: 15,
  alertDemandShare: 0.95,
  alertBillIncrease: 0.2,
  // 06:00 on the 2nd of each month: the previous month's last readings have usually arrived by then.
  statementSchedule: 'cron(0 6 2 * ? *)',
  // 09:00 every day: notices go out in office hours, when a customer can call the account manager back.
  arrearsSchedule: 'cron(0 9 * * ? *)',
  noticeConcurrency: 2,
  // 08:00 on Mondays, in the business time zone: the past week's segment moves and risks before the week's calls.
  digestSchedule: 'cron(0 8 ? * MON *)',
  // Every 5 minutes: the population job (tiers, peer groups, segments) runs only if an ingest changed something since
  // its last run, so segments lag an upload by at most about this long and many uploads cost one classification.
  classifySchedule: 'cron(0/5 * * * ? *)',
  utilityName: { en: 'Key Account Services', 'zh-CN': '大客户服务中心' },
  /** The console's sign-in callback until its CloudFront URL exists: `kam console` on the local stack. */
  consoleCallbackUrls: ['http://127.0.0.1:8787/'],
  /** The console API's default stage: requests per second, and burst. A few dozen staff use it. */
  consoleThrottleRate: 50,
  consoleThrottleBurst: 100,
} as const;

/** The single table's key attributes and GSIs; the stateful stack creates them, the adapters query them by these names. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttl: 'ttl',
  indexes: {
    // Despite its name, GSI1 is the table's general listing index: customers, statements by period, tariffs, files, notices, tasks.
    bySegment: { name: 'bySegment', pk: 'gsi1pk', sk: 'gsi1sk' },
    byDueDate: { name: 'byDueDate', pk: 'gsi2pk', sk: 'gsi2sk' },
    byRegionMonth: { name: 'byRegionMonth', pk: 'gsi3pk', sk: 'gsi3sk' },
  },
} as const;

/** Outputs of the stateful stack the CLI finds a deployed stack's resources by. */
export const STATEFUL_OUTPUTS = {
  bucketName: 'IngestBucketName',
  tableName: 'UsageTableName',
  ingestQueueUrl: 'IngestQueueUrl',
  statementQueueUrl: 'StatementQueueUrl',
  alertQueueUrl: 'AlertQueueUrl',
  noticeQueueUrl: 'NoticeQueueUrl',
  /** The console's Cognito user pool and its app client (the console's sign-in and `kam console` find them by these). */
  consoleUserPoolId: 'ConsoleUserPoolId',
  consoleClientId: 'ConsoleClientId',
} as const;

/** Outputs of the stateless stack other tools find a deployed stack's endpoints by. */
export const STATELESS_OUTPUTS = {
  /** The console HTTP API's default stage URL (`https://<id>.execute-api.<region>.amazonaws.com/`). */
  consoleApiUrl: 'ConsoleApiUrl',
} as const;
