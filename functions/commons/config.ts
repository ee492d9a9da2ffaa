import { z } from 'zod';
import { DEFAULT_CONFIG, type DomainConfig } from '../../domain/config.ts';

const Env = z.object({
  TABLE_NAME: z.string().min(3),
  BUCKET_NAME: z.string().min(3).optional(),
  TIME_ZONE: z.string().default(DEFAULT_CONFIG.timeZone),
  QUARANTINE_SHARE: z.coerce.number().min(0).max(1).default(DEFAULT_CONFIG.quarantineShare),
  MAX_INTERPOLATED_GAP: z.coerce.number().int().min(0).max(96).default(DEFAULT_CONFIG.maxInterpolatedGap),
  WINDOW_DAYS: z.coerce.number().int().min(7).max(366).default(DEFAULT_CONFIG.classification.windowDays),
  STATEMENT_QUEUE_URL: z.string().optional(),
  NOTICE_QUEUE_URL: z.string().optional(),
  ALERT_QUEUE_URL: z.string().optional(),
  /** A queue worker's own dead-letter queue: malformed messages go there at once, without retries. */
  DEAD_LETTER_QUEUE_URL: z.string().optional(),
  FROM_ADDRESS: z.string().default('statements@example.com'),
  SES_CONFIGURATION_SET: z.string().optional(),
  MAX_SEND_RATE: z.coerce.number().positive().max(1000).default(10),
  DUE_DAYS: z.coerce.number().int().min(1).max(90).default(15),
  ALERT_DEMAND_SHARE: z.coerce.number().positive().max(2).default(0.95),
  ALERT_BILL_INCREASE: z.coerce.number().positive().max(10).default(0.2),
  UTILITY_NAME_EN: z.string().default('Key Account Services'),
  UTILITY_NAME_ZH: z.string().default('大客户服务中心'),
  /** JSON object: logical column → extra header texts, e.g. {"meter_id":["计量点号"]}. */
  HEADER_ALIASES: z
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
});

export interface FunctionConfig {
  tableName: string;
  bucketName?: string;
  statementQueueUrl?: string;
  noticeQueueUrl?: string;
  alertQueueUrl?: string;
  deadLetterQueueUrl?: string;
  fromAddress: string;
  sesConfigurationSet?: string;
  maxSendRate: number;
  dueDays: number;
  alerts: { demandShare: number; billIncrease: number };
  utilityName: { en: string; 'zh-CN': string };
  domain: DomainConfig;
}

/** Reads and validates the environment once, at cold start; a bad setting fails fast with its name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    tableName: e.TABLE_NAME,
    bucketName: e.BUCKET_NAME,
    statementQueueUrl: e.STATEMENT_QUEUE_URL,
    noticeQueueUrl: e.NOTICE_QUEUE_URL,
    alertQueueUrl: e.ALERT_QUEUE_URL,
    deadLetterQueueUrl: e.DEAD_LETTER_QUEUE_URL,
    fromAddress: e.FROM_ADDRESS,
    sesConfigurationSet: e.SES_CONFIGURATION_SET || undefined,
    maxSendRate: e.MAX_SEND_RATE,
    dueDays: e.DUE_DAYS,
    alerts: { demandShare: e.ALERT_DEMAND_SHARE, billIncrease: e.ALERT_BILL_INCREASE },
    utilityName: { en: e.UTILITY_NAME_EN, 'zh-CN': e.UTILITY_NAME_ZH },
    domain: {
      ...DEFAULT_CONFIG,
      timeZone: e.TIME_ZONE,
      quarantineShare: e.QUARANTINE_SHARE,
      maxInterpolatedGap: e.MAX_INTERPOLATED_GAP,
      classification: { ...DEFAULT_CONFIG.classification, windowDays: e.WINDOW_DAYS },
      ...(e.HEADER_ALIASES ? { aliases: e.HEADER_ALIASES } : {}),
    },
  };
}

