import type { Band, BandSchedule } from './usage/daily-usage.ts';
import type { AliasMap } from './parsing/header-aliases.ts';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './parsing/decode.ts';

/** Business settings with their defaults (DOMAIN.md "configurable"). Validated once where they are loaded. */
export interface DomainConfig {
  /** The utility's time zone; days are local days here. */
  timeZone: string;
  /** Share of bad rows above which a whole file is quarantined. */
  quarantineShare: number;
  /** Gaps of at most this many intervals are filled by linear interpolation (counted as estimated). */
  maxInterpolatedGap: number;
  classification: ClassificationConfig;
  /** Band schedule used for daily band totals until a customer's tariff says otherwise. */
  bands: BandSchedule;
  /** Extra reading-file header aliases (logical column → header texts), merged over the built-in ones. */
  aliases?: AliasMap;
  /**
   * Wide reading files: multiply values (and register-reading differences) by the file's 倍率 column, for exports whose
   * values are before the CT × PT multiplier. Off by default: values are taken as they are and 倍率 is ignored.
   */
  applyMultiplier?: boolean;
  /**
   * Daily frozen register exports (日冻结示值): whether a reading dated D is the register at 00:00 starting D
   * (`day-start`, the default) or at 24:00 ending D (`day-end`, systems that date a freeze by the day it closes).
   */
  frozenReadingAt?: 'day-start' | 'day-end';
  /** What one uploaded file may be before it is refused (hostile or broken exports end quickly). */
  limits: FileLimits;
}

export interface FileLimits extends DecodeLimits {
  /** Largest S3 object the ingest takes at all (bytes as stored, compressed or not); larger ones are refused unread. */
  maxObjectBytes: number;
  /** An uncompressed reading file above this size is split into byte ranges processed in parallel (the fan-out). */
  fanOutBytes: number;
  /** Size of one byte range (one chunk job) of a fanned-out file. */
  chunkBytes: number;
  /** A compressed reading file (gzip, zip) above this size (as stored) is decompressed once and staged in chunks. */
  compressedFanOutBytes: number;
}

export interface ClassificationConfig {
  windowDays: number;
  /** The previous window must have at least this share of its days for a trend. */
  minPreviousCoverage: number;
  tierShares: { a: number; b: number };
  trendChange: number;
  /** Weekday-vs-weekday / weekend-vs-weekend coefficient of variation above which a trend is volatile. */
  volatileCv: number;
  /** Decline beyond which the playbook asks for a visit. */
  visitDecline: number;
  peerGroups: { minK: number; maxK: number; seed: number };
}

function grid(rows: Record<number, Band>[]): Band[][] {
  return Array.from({ length: 12 }, (_, m) => Array.from({ length: 24 }, (_, h) => rows[m === 6 || m === 7 ? 1 : 0]![h]!));
}

// Typical provincial large-industry schedule: valley 23–07, peak 08–11 and 18–23, flat otherwise;
// in July and August 10–11 and 19–21 are sharp (尖峰).
const base: Record<number, Band> = {};
for (let h = 0; h < 24; h++) base[h] = h >= 23 || h < 7 ? 'valley' : (h >= 8 && h < 11) || (h >= 18 && h < 23) ? 'peak' : 'flat';
const summer: Record<number, Band> = { ...base, 10: 'sharp', 19: 'sharp', 20: 'sharp' };

export const DEFAULT_BANDS: BandSchedule = { weekday: grid([base, summer]), weekend: grid([base, summer]) };

export const DEFAULT_CONFIG: DomainConfig = {
  timeZone: 'Asia/Shanghai',
  quarantineShare: 0.05,
  maxInterpolatedGap: 2,
  // One invocation reads a file twice at about 100 MB/s within its 5 minutes: up to 256 MiB it does so itself; a larger
  // file is fanned out in 64 MiB ranges (see domain/use-cases/fan-out.ts), a gzip above 32 MiB is staged in chunks.
  limits: {
    ...DEFAULT_DECODE_LIMITS,
    maxObjectBytes: 4 * 1024 ** 3,
    fanOutBytes: 256 * 1024 ** 2,
    chunkBytes: 64 * 1024 ** 2,
    compressedFanOutBytes: 32 * 1024 ** 2,
  },
  classification: {
    windowDays: 90,
    minPreviousCoverage: 0.8,
    tierShares: { a: 0.7, b: 0.9 },
    trendChange: 0.1,
    volatileCv: 0.25,
    visitDecline: 0.2,
    peerGroups: { minK: 2, maxK: 8, seed: 42 },
  },
  bands: DEFAULT_BANDS,
};

/**
 * Next month's forecast (domain/forecast/forecast.ts, issue 11 §1). Kept outside DomainConfig for now so this
 * increment changes no existing configuration literal; the wiring increment adds it there.
 */
export interface ForecastConfig {
  /** Days (ending on the last day of data) the weekly rhythm, trend, hourly shape and demand distribution come from. */
  fitDays: number;
  /** At least this many days of data inside the fit window, or no forecast ('too-little-history'). */
  minDays: number;
  /** History older than this (before the target month) is not read. */
  maxHistoryDays: number;
  /** Daily damping of the trend (Gardner's damped trend): the trend's effect stops growing after about 1/(1−φ) days. */
  damping: number;
  /** Central coverage of the interval, e.g. 0.8 for 10%..90%. */
  coverage: number;
  /** Held-out 28-day blocks at the end of the history whose forecast errors calibrate the interval (at most). */
  holdouts: number;
  /** Year-ago seasonal ratio is bounded to [1/x, x] so a year-ago step change cannot run away with a forecast. */
  maxSeasonalRatio: number;
}

export const DEFAULT_FORECAST: ForecastConfig = { fitDays: 84, minDays: 42, maxHistoryDays: 400, damping: 0.95, coverage: 0.8, holdouts: 6, maxSeasonalRatio: 2 };

/** Throws on a forecast setting that cannot work (validated once where configuration is loaded). */
export function validateForecastConfig(c: ForecastConfig): ForecastConfig {
  const bad = (what: string) => {
    throw new Error(`forecast config: ${what}`);
  };
  if (!Number.isInteger(c.fitDays) || c.fitDays < 28 || c.fitDays > 366) bad(`fitDays must be an integer in 28..366, got ${c.fitDays}`);
  if (!Number.isInteger(c.minDays) || c.minDays < 14 || c.minDays > c.fitDays) bad(`minDays must be an integer in 14..fitDays, got ${c.minDays}`);
  if (!Number.isInteger(c.maxHistoryDays) || c.maxHistoryDays < c.fitDays) bad(`maxHistoryDays must be an integer ≥ fitDays, got ${c.maxHistoryDays}`);
  if (!(c.damping > 0 && c.damping <= 1)) bad(`damping must be in (0, 1], got ${c.damping}`);
  if (!(c.coverage > 0 && c.coverage < 1)) bad(`coverage must be in (0, 1), got ${c.coverage}`);
  if (!Number.isInteger(c.holdouts) || c.holdouts < 0 || c.holdouts > 12) bad(`holdouts must be an integer in 0..12, got ${c.holdouts}`);
  if (!(c.maxSeasonalRatio >= 1)) bad(`maxSeasonalRatio must be ≥ 1, got ${c.maxSeasonalRatio}`);
  return c;
}
