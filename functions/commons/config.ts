import { z } from 'zod';
import { DEFAULTS, ENV, type EnvName } from '../../contracts/settings.ts';
import { DEFAULT_ANOMALY_CONFIG, DEFAULT_CONFIG, DEFAULT_FORECAST, validateAnomalyConfig, validateForecastConfig, withOverrides, type DomainConfig } from '../../domain/config.ts';

/** What ANOMALY_SETTINGS / FORECAST_SETTINGS hold: a JSON object of settings (their names and values are checked next). */
const SettingsObject = z.record(z.string(), z.unknown());

/** A JSON object of overrides of a settings block, merged over its defaults and validated (domain/config.ts withOverrides). */
function jsonSettings<T extends object>(what: string, defaults: T, validate: (c: T) => T) {
  return z
    .string()
    .optional()
    .transform((t, ctx) => {
      try {
        if (!t) return withOverrides(what, defaults, undefined, validate);
        const object = SettingsObject.safeParse(JSON.parse(t));
        if (!object.success) throw new Error(`${what} must be a JSON object of settings, got ${t}`);
        return withOverrides(what, defaults, object.data, validate);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });
}

const Env = z.object({
  [ENV.tableName]: z.string().min(3),
  [ENV.bucketName]: z.string().min(3).optional(),
  [ENV.timeZone]: z.string().default(DEFAULTS.timeZone),
  [ENV.quarantineShare]: z.coerce.number().min(0).max(1).default(DEFAULTS.quarantineShare),
  [ENV.maxInterpolatedGap]: z.coerce.number().int().min(0).max(96).default(DEFAULT_CONFIG.maxInterpolatedGap),
  [ENV.windowDays]: z.coerce.number().int().min(7).max(366).default(DEFAULT_CONFIG.classification.windowDays),
  [ENV.maxObjectBytes]: z.coerce.number().int().positive().default(DEFAULT_CONFIG.limits.maxObjectBytes),
  [ENV.maxLineLength]: z.coerce.number().int().min(1024).default(DEFAULT_CONFIG.limits.maxLineLength),
  [ENV.maxDecompressedBytes]: z.coerce.number().int().positive().default(DEFAULT_CONFIG.limits.maxDecompressedBytes),
  [ENV.maxCompressionRatio]: z.coerce.number().positive().default(DEFAULT_CONFIG.limits.maxCompressionRatio),
  [ENV.fanOutBytes]: z.coerce.number().int().positive().default(DEFAULT_CONFIG.limits.fanOutBytes),
  [ENV.chunkBytes]: z.coerce.number().int().min(4096).default(DEFAULT_CONFIG.limits.chunkBytes),
  [ENV.compressedFanOutBytes]: z.coerce.number().int().positive().default(DEFAULT_CONFIG.limits.compressedFanOutBytes),
  [ENV.chunkQueueUrl]: z.string().optional(),
  [ENV.statementQueueUrl]: z.string().optional(),
  [ENV.noticeQueueUrl]: z.string().optional(),
  [ENV.alertQueueUrl]: z.string().optional(),
  [ENV.deadLetterQueueUrl]: z.string().optional(),
  [ENV.fromAddress]: z.string().default(DEFAULTS.sesFromAddress),
  [ENV.sesConfigurationSet]: z.string().optional(),
  [ENV.maxSendRate]: z.coerce.number().positive().max(1000).default(DEFAULTS.maxSendRate),
  [ENV.dueDays]: z.coerce.number().int().min(1).max(90).default(DEFAULTS.dueDays),
  [ENV.alertDemandShare]: z.coerce.number().positive().max(2).default(DEFAULTS.alertDemandShare),
  [ENV.alertBillIncrease]: z.coerce.number().positive().max(10).default(DEFAULTS.alertBillIncrease),
  [ENV.utilityNameEn]: z.string().default(DEFAULTS.utilityName.en),
  [ENV.utilityNameZh]: z.string().default(DEFAULTS.utilityName['zh-CN']),
  [ENV.applyMultiplier]: z.enum(['true', 'false']).default('false'),
  [ENV.frozenReadingAt]: z.enum(['day-start', 'day-end']).default('day-start'),
  [ENV.consoleIssuer]: z.string().url().optional(),
  [ENV.consoleClientId]: z.string().min(1).optional(),
  [ENV.anomalySettings]: jsonSettings('anomalies', DEFAULT_ANOMALY_CONFIG, validateAnomalyConfig),
  [ENV.forecastSettings]: jsonSettings('forecast', DEFAULT_FORECAST, validateForecastConfig),
  /** JSON object: logical column → extra header texts, e.g. {"meter_id":["计量点号"]}. */
  [ENV.headerAliases]: z
    .string()
    .optional()
    .transform((t, ctx) => {
      if (!t) return undefined;
      try {
        return z.record(z.string(), z.array(z.string().min(1))).parse(JSON.parse(t));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of string arrays' });
        return z.NEVER;
      }
    }),
} satisfies Record<EnvName, z.ZodType>);

export interface FunctionConfig {
  tableName: string;
  bucketName?: string;
  statementQueueUrl?: string;
  noticeQueueUrl?: string;
  alertQueueUrl?: string;
  chunkQueueUrl?: string;
  /** Set for queue workers: where a message that can never succeed goes without retries. */
  deadLetterQueueUrl?: string;
  fromAddress: string;
  sesConfigurationSet?: string;
  maxSendRate: number;
  dueDays: number;
  alerts: { demandShare: number; billIncrease: number };
  utilityName: { en: string; 'zh-CN': string };
  /** The console API's token check (CONSOLE_ISSUER and CONSOLE_CLIENT_ID), set for the console function only. */
  console?: { issuer: string; clientId: string };
  domain: DomainConfig;
}

/** Reads and validates the environment once, at cold start; a bad setting fails fast with its name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const consoleIssuer = e[ENV.consoleIssuer];
  const consoleClientId = e[ENV.consoleClientId];
  return {
    tableName: e[ENV.tableName],
    bucketName: e[ENV.bucketName],
    statementQueueUrl: e[ENV.statementQueueUrl],
    noticeQueueUrl: e[ENV.noticeQueueUrl],
    alertQueueUrl: e[ENV.alertQueueUrl],
    chunkQueueUrl: e[ENV.chunkQueueUrl],
    deadLetterQueueUrl: e[ENV.deadLetterQueueUrl],
    fromAddress: e[ENV.fromAddress],
    sesConfigurationSet: e[ENV.sesConfigurationSet] || undefined,
    maxSendRate: e[ENV.maxSendRate],
    dueDays: e[ENV.dueDays],
    alerts: { demandShare: e[ENV.alertDemandShare], billIncrease: e[ENV.alertBillIncrease] },
    ...(consoleIssuer && consoleClientId ? { console: { issuer: consoleIssuer, clientId: consoleClientId } } : {}),
    utilityName: { en: e[ENV.utilityNameEn], 'zh-CN': e[ENV.utilityNameZh] },
    domain: {
      ...DEFAULT_CONFIG,
      timeZone: e[ENV.timeZone],
      quarantineShare: e[ENV.quarantineShare],
      maxInterpolatedGap: e[ENV.maxInterpolatedGap],
      limits: {
        maxObjectBytes: e[ENV.maxObjectBytes],
        maxLineLength: e[ENV.maxLineLength],
        maxDecompressedBytes: e[ENV.maxDecompressedBytes],
        maxCompressionRatio: e[ENV.maxCompressionRatio],
        fanOutBytes: e[ENV.fanOutBytes],
        chunkBytes: e[ENV.chunkBytes],
        compressedFanOutBytes: e[ENV.compressedFanOutBytes],
      },
      classification: { ...DEFAULT_CONFIG.classification, windowDays: e[ENV.windowDays] },
      anomalies: e[ENV.anomalySettings],
      forecast: e[ENV.forecastSettings],
      ...(e[ENV.headerAliases] ? { aliases: e[ENV.headerAliases] } : {}),
      ...(e[ENV.applyMultiplier] === 'true' ? { applyMultiplier: true } : {}),
      frozenReadingAt: e[ENV.frozenReadingAt],
    },
  };
}

