import { z } from 'zod';
import { DEFAULT_CONFIG, type DomainConfig } from '../../domain/config.ts';

const Env = z.object({
  TABLE_NAME: z.string().min(3),
  BUCKET_NAME: z.string().min(3).optional(),
  TIME_ZONE: z.string().default(DEFAULT_CONFIG.timeZone),
  QUARANTINE_SHARE: z.coerce.number().min(0).max(1).default(DEFAULT_CONFIG.quarantineShare),
  MAX_INTERPOLATED_GAP: z.coerce.number().int().min(0).max(96).default(DEFAULT_CONFIG.maxInterpolatedGap),
  WINDOW_DAYS: z.coerce.number().int().min(7).max(366).default(DEFAULT_CONFIG.classification.windowDays),
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
