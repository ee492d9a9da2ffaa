import type { Band, BandSchedule } from './usage/daily-usage.ts';
import { dayKeyOfEpochDay, epochDayOf } from './time/zone.ts';
import type { AliasMap } from './parsing/header-aliases.ts';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './parsing/decode.ts';
import { MIN_STORED_RUN } from './anomalies/flat-line.ts';

/** Business settings with their defaults (DOMAIN.md "configurable"). Validated once where they are loaded. */
export interface DomainConfig {
  /** The utility's time zone; days are local days here. */
  timeZone: string;
  /** Share of bad rows above which a whole file is quarantined. */
  quarantineShare: number;
  /** Gaps of at most this many intervals are filled by linear interpolation (counted as estimated). */
  maxInterpolatedGap: number;
  classification: ClassificationConfig;
  /** Anomaly detection thresholds (issue 11 §3); see domain/anomalies/detect.ts. */
  anomalies: AnomalyConfig;
  /** Next month's forecast (issue 11 §1); DEFAULT_FORECAST when absent. */
  forecast?: ForecastConfig;
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

/**
 * Anomaly thresholds. Behaviour is judged against the customer's own weekly rhythm: each day against the median of
 * the same kind of day (weekday or weekend) over the trailing baseline, so idle weekends and night shifts are normal.
 */
export interface AnomalyConfig {
  /** Trailing days whose same-kind days form the baseline (median). */
  baselineDays: number;
  /** Same-kind baseline days needed before a day is judged at all. */
  minBaselineDays: number;
  /** A meter repeating the same non-zero actual reading for at least this many consecutive intervals is flat-lining (at least 4). */
  flatLineIntervals: number;
  /** A zero day is an anomaly only when the same kind of day normally uses at least this many kWh. */
  zeroBusyKwh: number;
  /** An interval demand above this multiple of contract kVA is beyond physical sense. */
  spikeFactor: number;
  /** Share of a day's intervals that are estimated (E or interpolated) above which the day is flagged. */
  estimatedShare: number;
  /** Relative change of a day's usage against its baseline that counts as a level shift (0.3 = ±30%). */
  levelChange: number;
  /**
   * Calendar span a level shift must last. Above a week so a holiday week (5–7 days) does not raise one; the
   * issue's "≥ 5 days" is the lower bound this can be set to.
   */
  levelMinDays: number;
  /** A run of flagged days ends after more than this many consecutive unflagged days (one noisy day does not split it). */
  gapDays: number;
  /** A level shift (reported) that stopped resumes as the same episode when it comes back within this many days (a week-long holiday inside it: last day before, 7 days off, next day 8 days later). */
  mergeDays: number;
  /** After this many days (two months) a shift (level, night, weekend) is the new normal: the episode ends, the baseline takes it. */
  rebaseDays: number;
  /** Local hours [from, to) that count as night. */
  nightHours: { from: number; to: number };
  /** Baseline night load per hour below this share of the day-hours load per hour: the customer has no night load. */
  noneShare: number;
  /** Night (or weekend) load per hour at or above this share of the usual day-hours (weekday) load: it appeared. */
  appearShare: number;
  /** Nights (or weekend days) of new load needed before it is reported. */
  appearMinDays: number;
  /** A kind of day whose baseline is below this share of the other kind's is idle (e.g. a plant closed at weekends). */
  idleShare: number;
  /** Trailing days of daily maximum demand the trend line is fitted over. */
  trendDays: number;
  /** Days ahead the trend line is projected. */
  trendHorizonDays: number;
  /** Projected maximum demand at or above this share of the contract is "near contract". */
  nearContractShare: number;
  /** The trend must rise by at least this share of the contract over the horizon (a flat high customer is not a trend). */
  trendMinRise: number;
}

export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = {
  baselineDays: 28,
  minBaselineDays: 3,
  flatLineIntervals: 16,
  zeroBusyKwh: 1,
  spikeFactor: 1.5,
  estimatedShare: 0.25,
  levelChange: 0.3,
  levelMinDays: 8,
  gapDays: 1,
  mergeDays: 8,
  rebaseDays: 60,
  nightHours: { from: 0, to: 6 },
  noneShare: 0.1,
  appearShare: 0.3,
  appearMinDays: 2,
  idleShare: 0.15,
  trendDays: 28,
  trendHorizonDays: 30,
  nearContractShare: 0.95,
  trendMinRise: 0.05,
};

/** Refuses nonsense anomaly thresholds by name (configuration is validated once where it is loaded). */
export function validateAnomalyConfig(c: AnomalyConfig): AnomalyConfig {
  const bad = (name: string, why: string): never => {
    throw new Error(`anomalies.${name} ${why}`);
  };
  const int = (name: keyof AnomalyConfig, min: number, max: number): void => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < min || v > max) bad(name, `must be an integer from ${min} to ${max}, not ${v}`);
  };
  const share = (name: keyof AnomalyConfig, min: number, max: number): void => {
    const v = c[name] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= min || v > max) bad(name, `must be above ${min} and at most ${max}, not ${v}`);
  };
  int('baselineDays', 7, 180);
  int('minBaselineDays', 1, 60);
  int('flatLineIntervals', MIN_STORED_RUN, 2880);
  int('levelMinDays', 1, 90);
  int('gapDays', 0, 14);
  int('rebaseDays', 7, 365);
  int('mergeDays', 0, 60);
  int('appearMinDays', 1, 30);
  int('trendDays', 7, 180);
  int('trendHorizonDays', 1, 366);
  share('zeroBusyKwh', 0, 1e9);
  share('spikeFactor', 1, 100);
  share('estimatedShare', 0, 1);
  share('levelChange', 0, 10);
  share('noneShare', 0, 1);
  share('appearShare', 0, 10);
  share('idleShare', 0, 1);
  share('nearContractShare', 0, 10);
  share('trendMinRise', 0, 10);
  const { from, to } = c.nightHours;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 24 || from >= to) bad('nightHours', `must be whole hours 0 ≤ from < to ≤ 24, not ${from}–${to}`);
  if (c.minBaselineDays > Math.floor((c.baselineDays * 2) / 7)) bad('minBaselineDays', `cannot be met by the weekend days of a ${c.baselineDays}-day baseline`);
  if (c.noneShare >= c.appearShare) bad('noneShare', 'must be below appearShare');
  return c;
}

/**
 * A settings block with a deployment's overrides applied: `overrides` is parsed JSON (an object of some of the
 * block's keys); an unknown key or a value of another type than the default's is refused by name, then the merged
 * block is validated. Used for ANOMALY_SETTINGS / FORECAST_SETTINGS and their CDK context keys.
 */
export function withOverrides<T extends object>(what: string, defaults: T, overrides: unknown, validate: (c: T) => T): T {
  if (overrides === undefined || overrides === null || overrides === '') return validate(defaults);
  if (typeof overrides !== 'object' || Array.isArray(overrides)) throw new Error(`${what} must be a JSON object of settings, got ${JSON.stringify(overrides)}`);
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in defaults)) throw new Error(`${what}: unknown setting "${key}" (known: ${Object.keys(defaults).join(', ')})`);
    const def = (defaults as Record<string, unknown>)[key];
    if (typeof value !== typeof def || Array.isArray(value) !== Array.isArray(def)) throw new Error(`${what}.${key} must be a ${typeof def}, got ${JSON.stringify(value)}`);
    merged[key] = typeof def === 'object' && def !== null ? { ...def, ...(value as object) } : value;
  }
  return validate(merged as T);
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
  anomalies: DEFAULT_ANOMALY_CONFIG,
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
  /** A break in the level (step, ramp begun or ended) is only looked for with at least this many days on each side of it. */
  breakMinDays: number;
  /** Statutory holidays and make-up workdays (调休) the fit leaves out and the target month is projected with. */
  holidays: HolidayCalendar;
}

/**
 * Public holidays and make-up workdays. A holiday is projected like a Sunday of the customer (a plant that runs on
 * Sundays runs on holidays, an office that idles idles), a make-up workday like the customer's average Monday–Friday;
 * in the fit window both are left out of the weekday factors, the level and the hourly shapes, so a golden week does
 * not read as a drop of the weekday level. Extend it every year when the State Council publishes the next one.
 */
export interface HolidayCalendar {
  /** Days off, as inclusive ranges yyyy-mm-dd (a one-day holiday: from = to). */
  off: readonly { from: string; to: string }[];
  /** Weekend days worked instead (调休上班), yyyy-mm-dd. */
  workdays: readonly string[];
}

export const NO_HOLIDAYS: HolidayCalendar = { off: [], workdays: [] };

/**
 * Mainland China's statutory holidays and make-up workdays, 2025 and 2026, from the State Council General Office's
 * notices (国务院办公厅关于2025年/2026年部分节假日安排的通知, 2024-11-12 and 2025-11-04).
 */
export const CN_HOLIDAYS_2025_2026: HolidayCalendar = {
  off: [
    { from: '2025-01-01', to: '2025-01-01' },
    { from: '2025-01-28', to: '2025-02-04' },
    { from: '2025-04-04', to: '2025-04-06' },
    { from: '2025-05-01', to: '2025-05-05' },
    { from: '2025-05-31', to: '2025-06-02' },
    { from: '2025-10-01', to: '2025-10-08' },
    { from: '2026-01-01', to: '2026-01-03' },
    { from: '2026-02-15', to: '2026-02-23' },
    { from: '2026-04-04', to: '2026-04-06' },
    { from: '2026-05-01', to: '2026-05-05' },
    { from: '2026-06-19', to: '2026-06-21' },
    { from: '2026-09-25', to: '2026-09-27' },
    { from: '2026-10-01', to: '2026-10-07' },
  ],
  workdays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11', '2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
};

export const DEFAULT_FORECAST: ForecastConfig = { fitDays: 84, minDays: 42, maxHistoryDays: 400, damping: 0.95, coverage: 0.8, holdouts: 6, maxSeasonalRatio: 2, breakMinDays: 35, holidays: CN_HOLIDAYS_2025_2026 };

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
  if (!Number.isInteger(c.breakMinDays) || c.breakMinDays < 7 || 2 * c.breakMinDays > c.fitDays) bad(`breakMinDays must be an integer in 7..fitDays/2, got ${c.breakMinDays}`);
  const isDay = (d: unknown): d is string => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d) && dayKeyOfEpochDay(epochDayOf(d)) === d;
  if (!c.holidays || !Array.isArray(c.holidays.off) || !Array.isArray(c.holidays.workdays)) bad('holidays must have off (ranges) and workdays (days)');
  for (const r of c.holidays.off) {
    if (!isDay(r?.from) || !isDay(r?.to) || r.from > r.to) bad(`holidays.off: ${JSON.stringify(r)} is not a range of valid days yyyy-mm-dd, from ≤ to`);
    if (epochDayOf(r.to) - epochDayOf(r.from) > 31) bad(`holidays.off: ${r.from}..${r.to} is longer than a month`);
  }
  for (const d of c.holidays.workdays) {
    if (!isDay(d)) bad(`holidays.workdays: ${JSON.stringify(d)} is not a valid day yyyy-mm-dd`);
    if (c.holidays.off.some((r) => d >= r.from && d <= r.to)) bad(`holidays.workdays: ${d} is also a day off`);
  }
  return c;
}
