import { Duration } from 'aws-cdk-lib';
import { DEFAULT_ANOMALY_CONFIG, DEFAULT_FORECAST, validateAnomalyConfig, validateForecastConfig, withOverrides, type AnomalyConfig, type FileLimits, type ForecastConfig } from '../domain/config.ts';
import type { Construct } from 'constructs';
import { DEFAULTS } from '../contracts/settings.ts';

/** Key prefixes the utility uploads to; each is an ingest trigger. `rejects/` is ours and must never trigger. */
export const INGEST_PREFIXES = ['customers/', 'readings/', 'payments/', 'tariffs/'] as const;
export const REJECTS_PREFIX = 'rejects/';
/** Work in progress of fanned-out files (chunk parts, staged meter-days); expires by the bucket's lifecycle rule. */
export const STAGING_PREFIX = 'staging/';

/** A worker's timeout is its queue's consumer timeout: the queue's visibility timeout is derived from it (WorkQueue). */
export const INGEST_TIMEOUT = Duration.minutes(5);
/** One 64 MiB range (about 1.2 M readings) or one partition's apply: well under a minute each, 5 allowed. */
export const INGEST_CHUNK_TIMEOUT = Duration.minutes(5);
/** Lists every customer and enqueues one statement job each (100,000 at the design point): one long invocation. */
export const RUN_STATEMENTS_TIMEOUT = Duration.minutes(15);
/** A batch of 10 statements at the per-worker send rate, plus rendering, with room to spare. */
export const SEND_STATEMENT_TIMEOUT = Duration.minutes(2);
export const SEND_ALERT_TIMEOUT = Duration.minutes(1);
/** Walks the open statements past their due date (byDueDate) and enqueues one notice job each: one long invocation. */
export const SCAN_ARREARS_TIMEOUT = Duration.minutes(10);
/** A batch of 10 notices: a few reads, one conditional write and one email each. */
export const SEND_NOTICE_TIMEOUT = Duration.minutes(1);
/**
 * The population classification job reads every customer's stored features and writes the segments that changed:
 * about 100,000 customers in well under a minute (npm run bench -- --only classify), with room for the table's writes.
 */
export const CLASSIFY_TIMEOUT = Duration.minutes(5);
/** One email per account manager, each after a few queries over their customers: one invocation for all of them. */
export const SEND_DIGEST_TIMEOUT = Duration.minutes(5);

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Deployment settings, from `buildApp` props first, then CDK context (`cdk synth -c timeZone=...`). */
export interface AppConfig {
  /** Prefix of both stack names, so two copies can live in one account (`-c stackPrefix=KamTest`). */
  stackPrefix: string;
  timeZone: string;
  quarantineShare: number;
  /** Operators' address for alarm mail; no subscription when absent. */
  alarmEmail?: string;
  /** Extra reading-file header aliases (logical column → header texts), e.g. `-c headerAliases='{"meter_id":["计量点号"]}'`. */
  headerAliases?: Record<string, string[]>;
  /** Anomaly thresholds that differ from the defaults, e.g. `-c anomalySettings='{"levelChange":0.25}'` (domain/config.ts AnomalyConfig). */
  anomalySettings?: Partial<AnomalyConfig>;
  /** Forecast settings that differ from the defaults, e.g. `-c forecastSettings='{"coverage":0.9}'` (domain/config.ts ForecastConfig). */
  forecastSettings?: Partial<ForecastConfig>;
  /** Wide reading files' values are before the 倍率 multiplier and are multiplied by it (`-c applyMultiplier=true`); off by default. */
  applyMultiplier?: boolean;
  /** Daily frozen register exports date a reading by the day it closes (`-c frozenReadingAt=day-end`); default day-start. */
  frozenReadingAt?: 'day-end';
  /** Limits on one uploaded file where they differ from the defaults (domain/config.ts), e.g. `-c maxObjectBytes=8589934592`. */
  fileLimits?: Partial<FileLimits>;
  /** The From address of every statement, alert and account-manager notice. */
  sesFromAddress: string;
  /** The verified SES identity the From address belongs to: its domain (`example.com`) or the address itself. */
  sesIdentity: string;
  /** Create the SES identity in the stateless stack (it still has to be verified: DNS records or a link); at most one copy per account and region may. */
  createSesIdentity: boolean;
  /** EventBridge Scheduler cron expression of the monthly statement run. */
  statementSchedule: string;
  /** The zone the schedule's cron is read in. */
  statementTimeZone: string;
  /** Emails per second per SendStatement worker; total ≈ maxSendRate × statementConcurrency, keep it under SES's quota. */
  maxSendRate: number;
  /** Upper bound on concurrent SendStatement invocations. */
  statementConcurrency: number;
  /** Days from the statement date to its due date. */
  dueDays: number;
  /** Alert when a customer's peak demand reaches this share of its contracted demand. */
  alertDemandShare: number;
  /** Alert when a bill grows by more than this share over the previous one. */
  alertBillIncrease: number;
  /** EventBridge Scheduler cron expression of the daily arrears scan. */
  arrearsSchedule: string;
  /** The zone the arrears schedule's cron is read in. */
  arrearsTimeZone: string;
  /** Upper bound on concurrent SendNotice invocations. */
  noticeConcurrency: number;
  /** EventBridge Scheduler cron expression of the weekly account-manager digest, read in `timeZone`. */
  digestSchedule: string;
  /**
   * EventBridge Scheduler cron expression of the population classification job, read in `timeZone`: how long
   * segments may lag an upload, and how many ingests one classification run covers (default every 5 minutes).
   */
  classifySchedule: string;
  /** The console app client's OAuth callback (and sign-out) URLs, `-c consoleCallbackUrls=https://console.example.com/` (comma-separated). */
  consoleCallbackUrls: string[];
  /** Let the console app client sign in with USER_PASSWORD_AUTH (`-c consolePasswordAuth=true`): the local stack's sign-in page; off in AWS, where the hosted UI signs in. */
  consolePasswordAuth: boolean;
  /** Cognito threat protection (Plus feature plan, full function) on the console user pool (`-c consoleAdvancedSecurity=true`); off by default. */
  consoleAdvancedSecurity: boolean;
  /** Steady-state requests per second of the console API's default stage. */
  consoleThrottleRate: number;
  /** Burst of requests of the console API's default stage. */
  consoleThrottleBurst: number;
  /**
   * A WAF web ACL for the console: HTTP APIs cannot be associated with one, so it goes on the console's CloudFront
   * distribution, which takes an existing CLOUDFRONT-scope web ACL (created in us-east-1): `-c consoleWebAclArn=<arn>`.
   * `-c consoleWaf=true` without an ARN is refused with that explanation.
   */
  consoleWaf: boolean;
  consoleWebAclArn?: string;
  /** Prefix of the Cognito domain of the managed login (`<prefix>.auth.<region>.amazoncognito.com`), `-c consoleDomainPrefix=…`; default `<stack prefix>-console-<account>`. */
  consoleDomainPrefix?: string;
  /** A custom domain for the console (`-c consoleDomain=console.example.com -c consoleCertificateArn=<ACM arn in us-east-1>`): TLS 1.2 minimum. */
  consoleDomain?: { names: string[]; certificateArn: string };
}

export function readAppConfig(scope: Construct, overrides: Partial<AppConfig> = {}): AppConfig {
  const context = (key: keyof AppConfig): unknown => overrides[key] ?? scope.node.tryGetContext(key);

  const stackPrefix = String(context('stackPrefix') ?? 'Kam');
  if (!/^[A-Za-z][A-Za-z0-9-]{0,60}$/.test(stackPrefix)) throw new Error(`stackPrefix "${stackPrefix}" is not a valid stack name prefix`);

  const timeZone = String(context('timeZone') ?? DEFAULTS.timeZone);
  checkTimeZone('timeZone', timeZone);

  const quarantineShare = Number(context('quarantineShare') ?? DEFAULTS.quarantineShare);
  if (!(quarantineShare > 0 && quarantineShare <= 1)) throw new Error(`quarantineShare must be in (0, 1], got ${String(context('quarantineShare'))}`);

  const fileLimits: Partial<FileLimits> = {};
  for (const key of ['maxObjectBytes', 'maxLineLength', 'maxDecompressedBytes', 'maxCompressionRatio', 'fanOutBytes', 'chunkBytes', 'compressedFanOutBytes'] as const) {
    const raw = overrides.fileLimits?.[key] ?? scope.node.tryGetContext(key);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!(Number.isFinite(n) && n > 0 && (key === 'maxCompressionRatio' || Number.isInteger(n)))) throw new Error(`${key} must be a positive ${key === 'maxCompressionRatio' ? 'number' : 'integer'}, got ${String(raw)}`);
    if (key === 'maxLineLength' && n < 1024) throw new Error(`maxLineLength must be at least 1024 characters, got ${n}`);
    if (key === 'chunkBytes' && n < 4096) throw new Error(`chunkBytes must be at least 4096 bytes, got ${n}`);
    fileLimits[key] = n;
  }

  const rawEmail = context('alarmEmail');
  const alarmEmail = rawEmail === undefined || rawEmail === '' ? undefined : String(rawEmail);
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) throw new Error(`alarmEmail "${alarmEmail}" is not an email address`);

  const rawAliases = context('headerAliases');
  let headerAliases: Record<string, string[]> | undefined;
  if (rawAliases !== undefined && rawAliases !== '') {
    const parsed: unknown = typeof rawAliases === 'string' ? JSON.parse(rawAliases) : rawAliases;
    const ok = parsed !== null && typeof parsed === 'object' && Object.values(parsed).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== ''));
    if (!ok) throw new Error('headerAliases must be an object mapping a column name to an array of header texts');
    headerAliases = parsed as Record<string, string[]>;
  }

  // Anomaly thresholds and forecast settings that differ from the defaults: checked here as the functions check them.
  const settings = <T extends object>(key: keyof AppConfig, what: string, defaults: T, validate: (c: T) => T): Partial<T> | undefined => {
    const raw = context(key);
    if (raw === undefined || raw === '') return undefined;
    const parsed: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
    withOverrides(what, defaults, parsed, validate);
    return parsed as Partial<T>;
  };
  const anomalySettings = settings('anomalySettings', 'anomalies', DEFAULT_ANOMALY_CONFIG, validateAnomalyConfig);
  const forecastSettings = settings('forecastSettings', 'forecast', DEFAULT_FORECAST, validateForecastConfig);

  const rawMultiplier = context('applyMultiplier');
  if (!([undefined, '', true, false, 'true', 'false'] as unknown[]).includes(rawMultiplier)) throw new Error(`applyMultiplier must be true or false, got ${String(rawMultiplier)}`);
  const applyMultiplier = rawMultiplier === true || rawMultiplier === 'true';
  const rawFrozen = context('frozenReadingAt');
  if (!([undefined, '', 'day-start', 'day-end'] as unknown[]).includes(rawFrozen)) throw new Error(`frozenReadingAt must be day-start or day-end, got ${String(rawFrozen)}`);

  const sesFromAddress = String(context('sesFromAddress') ?? DEFAULTS.sesFromAddress);
  if (!EMAIL.test(sesFromAddress)) throw new Error(`sesFromAddress "${sesFromAddress}" is not an email address`);
  const fromDomain = sesFromAddress.slice(sesFromAddress.lastIndexOf('@') + 1).toLowerCase();
  const sesIdentity = String(context('sesIdentity') ?? fromDomain);
  // A domain identity covers its addresses and subdomains; an address identity only itself.
  const covers = EMAIL.test(sesIdentity)
    ? sesIdentity.toLowerCase() === sesFromAddress.toLowerCase()
    : DOMAIN.test(sesIdentity) && (fromDomain === sesIdentity.toLowerCase() || fromDomain.endsWith(`.${sesIdentity.toLowerCase()}`));
  if (!covers) throw new Error(`sesIdentity "${sesIdentity}" must be the domain of sesFromAddress "${sesFromAddress}" (or a parent domain), or that address`);

  const rawCreate = context('createSesIdentity');
  if (!([undefined, true, false, 'true', 'false'] as unknown[]).includes(rawCreate)) throw new Error(`createSesIdentity must be true or false, got ${String(rawCreate)}`);
  const createSesIdentity = rawCreate === true || rawCreate === 'true';

  const schedule = (key: 'statementSchedule' | 'arrearsSchedule' | 'digestSchedule' | 'classifySchedule', fallback: string): string => {
    const expression = String(context(key) ?? fallback);
    if (!isSchedulerCron(expression)) {
      throw new Error(`${key} "${expression}" is not an EventBridge Scheduler cron(min hour day-of-month month day-of-week year) with one of the day fields "?"`);
    }
    return expression;
  };
  const zone = (key: 'statementTimeZone' | 'arrearsTimeZone'): string => {
    const value = String(context(key) ?? timeZone);
    checkTimeZone(key, value);
    return value;
  };
  const statementSchedule = schedule('statementSchedule', DEFAULTS.statementSchedule);
  const statementTimeZone = zone('statementTimeZone');
  const arrearsSchedule = schedule('arrearsSchedule', DEFAULTS.arrearsSchedule);
  const arrearsTimeZone = zone('arrearsTimeZone');
  const digestSchedule = schedule('digestSchedule', DEFAULTS.digestSchedule);
  const classifySchedule = schedule('classifySchedule', DEFAULTS.classifySchedule);

  const number = (key: keyof AppConfig, fallback: number, valid: (n: number) => boolean, rule: string): number => {
    const raw = context(key);
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(value) || !valid(value)) throw new Error(`${key} must be ${rule}, got ${String(raw)}`);
    return value;
  };
  const maxSendRate = number('maxSendRate', DEFAULTS.maxSendRate, (n) => n > 0 && n <= 1000, 'in (0, 1000] emails per second');
  const statementConcurrency = number('statementConcurrency', DEFAULTS.statementConcurrency, (n) => Number.isInteger(n) && n >= 2 && n <= 1000, 'an integer in [2, 1000] (SQS event source limits)');
  const dueDays = number('dueDays', DEFAULTS.dueDays, (n) => Number.isInteger(n) && n >= 1 && n <= 90, 'an integer number of days in [1, 90]');
  const alertDemandShare = number('alertDemandShare', DEFAULTS.alertDemandShare, (n) => n > 0 && n <= 2, 'in (0, 2]');
  const alertBillIncrease = number('alertBillIncrease', DEFAULTS.alertBillIncrease, (n) => n > 0 && n <= 10, 'in (0, 10]');
  const noticeConcurrency = number('noticeConcurrency', DEFAULTS.noticeConcurrency, (n) => Number.isInteger(n) && n >= 2 && n <= 1000, 'an integer in [2, 1000] (SQS event source limits)');

  const flag = (key: 'consolePasswordAuth' | 'consoleAdvancedSecurity' | 'consoleWaf'): boolean => {
    const raw = context(key);
    if (!([undefined, '', true, false, 'true', 'false'] as unknown[]).includes(raw)) throw new Error(`${key} must be true or false, got ${String(raw)}`);
    return raw === true || raw === 'true';
  };
  const rawCallbacks = context('consoleCallbackUrls') ?? DEFAULTS.consoleCallbackUrls;
  const consoleCallbackUrls = (Array.isArray(rawCallbacks) ? rawCallbacks.map(String) : String(rawCallbacks).split(',')).map((u) => u.trim()).filter((u) => u !== '');
  if (consoleCallbackUrls.length === 0) throw new Error('consoleCallbackUrls must name at least one URL');
  for (const url of consoleCallbackUrls) {
    // Cognito accepts http only for localhost-style development URLs.
    if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(url) && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/\S*)?$/.test(url)) {
      throw new Error(`consoleCallbackUrls: "${url}" must be an https URL (or http on localhost/127.0.0.1)`);
    }
  }
  const consoleThrottleRate = number('consoleThrottleRate', DEFAULTS.consoleThrottleRate, (n) => n > 0 && n <= 10_000, 'in (0, 10000] requests per second');
  const consoleThrottleBurst = number('consoleThrottleBurst', DEFAULTS.consoleThrottleBurst, (n) => Number.isInteger(n) && n >= 1 && n <= 5_000, 'an integer in [1, 5000]');

  return {
    stackPrefix,
    timeZone,
    quarantineShare,
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(headerAliases ? { headerAliases } : {}),
    ...(anomalySettings ? { anomalySettings } : {}),
    ...(forecastSettings ? { forecastSettings } : {}),
    ...(applyMultiplier ? { applyMultiplier } : {}),
    ...(rawFrozen === 'day-end' ? { frozenReadingAt: 'day-end' as const } : {}),
    ...(Object.keys(fileLimits).length ? { fileLimits } : {}),
    sesFromAddress,
    sesIdentity,
    createSesIdentity,
    statementSchedule,
    statementTimeZone,
    maxSendRate,
    statementConcurrency,
    dueDays,
    alertDemandShare,
    alertBillIncrease,
    arrearsSchedule,
    arrearsTimeZone,
    noticeConcurrency,
    digestSchedule,
    classifySchedule,
    consoleCallbackUrls,
    consolePasswordAuth: flag('consolePasswordAuth'),
    consoleAdvancedSecurity: flag('consoleAdvancedSecurity'),
    consoleThrottleRate,
    consoleThrottleBurst,
    consoleWaf: flag('consoleWaf'),
    ...consoleSiteSettings((k) => context(k as keyof AppConfig)),
  };
}

function checkTimeZone(key: string, timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`${key} "${timeZone}" is not an IANA time zone`);
  }
}

/** Six fields; EventBridge requires exactly one of day-of-month and day-of-week to be `?`. */
function isSchedulerCron(expression: string): boolean {
  const fields = /^cron\((.+)\)$/.exec(expression)?.[1]?.trim().split(/\s+/);
  if (!fields || fields.length !== 6 || !fields.every((f) => /^[0-9A-Za-z*?,\-\/#]+$/.test(f))) return false;
  return (fields[2] === '?') !== (fields[4] === '?');
}

/** The console site's deployment settings from CDK context (see AppConfig). */
function consoleSiteSettings(context: (key: string) => unknown): Pick<AppConfig, 'consoleWebAclArn' | 'consoleDomainPrefix' | 'consoleDomain'> {
  const text = (key: string): string | undefined => {
    const raw = context(key);
    return raw === undefined || raw === '' ? undefined : String(raw).trim();
  };
  const webAcl = text('consoleWebAclArn');
  if (webAcl !== undefined && !/^arn:aws[\w-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/.test(webAcl)) {
    throw new Error(`consoleWebAclArn must be a CLOUDFRONT-scope WAFv2 web ACL ARN (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>), got ${webAcl}`);
  }
  const prefix = text('consoleDomainPrefix');
  if (prefix !== undefined && (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix) || /aws|amazon|cognito/.test(prefix))) {
    throw new Error(`consoleDomainPrefix must be lower-case letters, digits and hyphens without aws, amazon or cognito, got ${prefix}`);
  }
  const domain = text('consoleDomain');
  const certificateArn = text('consoleCertificateArn');
  if ((domain === undefined) !== (certificateArn === undefined)) throw new Error('consoleDomain and consoleCertificateArn go together');
  if (certificateArn !== undefined && !/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
    throw new Error(`consoleCertificateArn must be an ACM certificate in us-east-1 (CloudFront's region), got ${certificateArn}`);
  }
  return {
    ...(webAcl ? { consoleWebAclArn: webAcl } : {}),
    ...(prefix ? { consoleDomainPrefix: prefix } : {}),
    ...(domain && certificateArn ? { consoleDomain: { names: domain.split(',').map((d) => d.trim()).filter(Boolean), certificateArn } } : {}),
  };
}
