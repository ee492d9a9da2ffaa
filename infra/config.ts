import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DEFAULT_CONFIG } from '../domain/config.ts';

/** Key prefixes the utility uploads to; each is an ingest trigger. `rejects/` is ours and must never trigger. */
export const INGEST_PREFIXES = ['customers/', 'readings/', 'payments/', 'tariffs/'] as const;
export const REJECTS_PREFIX = 'rejects/';

/** Shared by the function and its queue: the queue's visibility timeout is derived from it. */
export const INGEST_TIMEOUT = Duration.minutes(5);
/** AWS guidance: visibility timeout ≥ 6 × function timeout, so retries of a throttled batch don't double-deliver. */
export const INGEST_VISIBILITY_TIMEOUT = Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6);

/** GSI names; handlers query them by these names, grants list them explicitly (no `index/*`). */
export const TABLE_INDEXES = {
  bySegment: { name: 'bySegment', pk: 'gsi1pk', sk: 'gsi1sk' },
  byDueDate: { name: 'byDueDate', pk: 'gsi2pk', sk: 'gsi2sk' },
  byRegionMonth: { name: 'byRegionMonth', pk: 'gsi3pk', sk: 'gsi3sk' },
} as const;

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
}

export function readAppConfig(scope: Construct, overrides: Partial<AppConfig> = {}): AppConfig {
  const context = (key: keyof AppConfig): unknown => overrides[key] ?? scope.node.tryGetContext(key);

  const stackPrefix = String(context('stackPrefix') ?? 'Kam');
  if (!/^[A-Za-z][A-Za-z0-9-]{0,60}$/.test(stackPrefix)) throw new Error(`stackPrefix "${stackPrefix}" is not a valid stack name prefix`);

  const timeZone = String(context('timeZone') ?? DEFAULT_CONFIG.timeZone);
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`timeZone "${timeZone}" is not an IANA time zone`);
  }

  const quarantineShare = Number(context('quarantineShare') ?? DEFAULT_CONFIG.quarantineShare);
  if (!(quarantineShare > 0 && quarantineShare <= 1)) throw new Error(`quarantineShare must be in (0, 1], got ${String(context('quarantineShare'))}`);

  const rawEmail = context('alarmEmail');
  const alarmEmail = rawEmail === undefined || rawEmail === '' ? undefined : String(rawEmail);
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) throw new Error(`alarmEmail "${alarmEmail}" is not an email address`);

  const rawAliases = context('headerAliases');
  let headerAliases: Record<string, string[]> | undefined;
  if (rawAliases !== undefined && rawAliases !== '') {
    const parsed: unknown = typeof rawAliases === 'string' ? JSON.parse(rawAliases) : rawAliases;
    const ok = parsed !== null && typeof parsed === 'object' && Object.values(parsed).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== ''));
    if (!ok) throw new Error('headerAliases must be an object mapping a column name to an array of header texts');
    headerAliases = parsed as Record<string, string[]>;
  }

  return { stackPrefix, timeZone, quarantineShare, ...(alarmEmail ? { alarmEmail } : {}), ...(headerAliases ? { headerAliases } : {}) };
}
