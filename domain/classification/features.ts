import type { ClassificationConfig } from '../config.ts';
import { Zone, dayKeyOfEpochDay, epochDayOf } from '../time/zone.ts';
import type { DailyUsage } from '../usage/daily-usage.ts';

/** What classification knows about one customer's trailing window (DOMAIN.md "Classification"). */
export interface Features {
  windowKwh: number;
  /** windowKwh / covered days. */
  avgDailyKwh: number;
  maxDemandKw: number;
  /** Average kW over the covered hours of the window / max demand kW; 0 without demand. */
  loadFactor: number;
  /** Sharp + peak kWh share: sharp is the top of the peak, so it counts as peak for every decision. */
  peakShare: number;
  flatShare: number;
  valleyShare: number;
  /** Share of kWh in the local hours 00:00–06:00. */
  nightShare: number;
  /** Average weekend-day kWh / average weekday kWh (per covered hour × 24); null without both kinds of day. */
  weekendRatio: number | null;
  /** Pooled CV of daily kWh: weekdays against the weekday mean, weekends against the weekend mean. */
  dailyCv: number;
  /** Mean share of a day's kWh that sits in other hours than its kind's (weekday/weekend) average shape, 0..1. */
  shapeDeviation: number;
  /** Average daily kWh vs the previous window of equal length, as a fraction; null under the coverage rule. */
  change: number | null;
  /** Average daily kWh vs the same window a year earlier; null under the coverage rule. */
  changeYoY: number | null;
  /** kWh / √(kWh² + kvarh²) over the window's days that report kvarh; null when none do. */
  powerFactor: number | null;
  /** Covered days in the window. */
  days: number;
  /** Covered days in the previous window. */
  previousDays: number;
}

export interface FeatureResult {
  features: Features;
  /** Average day as 24 hourly shares of its kWh (sums to 1; all zeros without consumption). */
  profile: number[];
}

type WindowConfig = Pick<ClassificationConfig, 'windowDays' | 'minPreviousCoverage'>;

const NIGHT_END_HOUR = 6;

/**
 * Features of one customer's days for the window of `cfg.windowDays` local days ending on `asOf` (inclusive).
 * `days` may hold more (previous window, a year earlier, anything else); a day given twice counts once, the later
 * entry winning (a correction). A day is covered when it has at least one actual or estimated interval.
 */
export function computeFeatures(days: readonly DailyUsage[], asOf: string, cfg: WindowConfig): FeatureResult {
  const w = cfg.windowDays;
  if (!Number.isInteger(w) || w < 1) throw new Error(`windowDays must be a positive integer, got ${w}`);
  const end = parseDay(asOf);
  const start = end - w + 1;
  const yoyEnd = parseDay(yearEarlier(asOf));
  const ranges = {
    window: [dayKeyOfEpochDay(start), asOf],
    previous: [dayKeyOfEpochDay(start - w), dayKeyOfEpochDay(start - 1)],
    yoy: [dayKeyOfEpochDay(yoyEnd - w + 1), dayKeyOfEpochDay(yoyEnd)],
  } as const;
  const inRange = (d: string, r: readonly [string, string]): boolean => d >= r[0] && d <= r[1];

  const window = new Map<string, DailyUsage>();
  const previous = new Map<string, DailyUsage>();
  const yoy = new Map<string, DailyUsage>();
  for (const d of days) {
    if (coveredHours(d) <= 0) continue;
    // ISO day strings compare like dates, so range checks need no parsing.
    if (inRange(d.day, ranges.window)) window.set(d.day, d);
    if (inRange(d.day, ranges.previous)) previous.set(d.day, d);
    if (inRange(d.day, ranges.yoy)) yoy.set(d.day, d);
  }

  const current = [...window.values()];
  let kwh = 0;
  let hours = 0;
  let maxKw = 0;
  let sharp = 0;
  let peak = 0;
  let flat = 0;
  let valley = 0;
  let pfKwh = 0;
  let pfKvarh = 0;
  let withKvarh = 0;
  const hourly = new Array<number>(24).fill(0);
  for (const d of current) {
    kwh += d.kwh;
    hours += coveredHours(d);
    if (d.maxDemandKw > maxKw) maxKw = d.maxDemandKw;
    sharp += d.bands.sharp;
    peak += d.bands.peak;
    flat += d.bands.flat;
    valley += d.bands.valley;
    for (let h = 0; h < 24; h++) hourly[h]! += d.hourly[h] ?? 0;
    if (d.kvarh !== null) {
      pfKwh += d.kwh;
      pfKvarh += d.kvarh;
      withKvarh++;
    }
  }
  const n = current.length;
  const bandTotal = sharp + peak + flat + valley;
  const hourlyTotal = hourly.reduce((a, b) => a + b, 0);
  const profile = hourly.map((x) => (hourlyTotal > 0 ? x / hourlyTotal : 0));
  const avgDailyKwh = n > 0 ? kwh / n : 0;

  const features: Features = {
    windowKwh: kwh,
    avgDailyKwh,
    maxDemandKw: maxKw,
    loadFactor: maxKw > 0 && hours > 0 ? kwh / hours / maxKw : 0,
    peakShare: bandTotal > 0 ? (sharp + peak) / bandTotal : 0,
    flatShare: bandTotal > 0 ? flat / bandTotal : 0,
    valleyShare: bandTotal > 0 ? valley / bandTotal : 0,
    nightShare: hourlyTotal > 0 ? profile.slice(0, NIGHT_END_HOUR).reduce((a, b) => a + b, 0) : 0,
    ...weeklyRhythm(current),
    change: relativeChange(avgDailyKwh, n, previous, cfg),
    changeYoY: relativeChange(avgDailyKwh, n, yoy, cfg),
    powerFactor: withKvarh > 0 && (pfKwh > 0 || pfKvarh > 0) ? pfKwh / Math.hypot(pfKwh, pfKvarh) : null,
    days: n,
    previousDays: previous.size,
  };
  return { features, profile };
}

/** Hours with data: actual + estimated intervals. A day reporting no interval counts at all is taken as whole. */
export function coveredHours(d: DailyUsage): number {
  const { actual, estimated, missing } = d.intervals;
  if (actual + estimated + missing === 0) return 24;
  return ((actual + estimated) * d.intervalMinutes) / 60;
}

/** Least previous-window days needed for a change figure. */
export function requiredPreviousDays(cfg: WindowConfig): number {
  // The epsilon keeps 0.8 × 90 at 72 despite binary floating point.
  return Math.ceil(cfg.minPreviousCoverage * cfg.windowDays - 1e-9);
}

function relativeChange(avg: number, n: number, other: Map<string, DailyUsage>, cfg: WindowConfig): number | null {
  if (n === 0 || other.size === 0 || other.size < requiredPreviousDays(cfg)) return null;
  let kwh = 0;
  for (const d of other.values()) kwh += d.kwh;
  const otherAvg = kwh / other.size;
  return otherAvg > 0 ? (avg - otherAvg) / otherAvg : null;
}

interface Rhythm {
  weekendRatio: number | null;
  dailyCv: number;
  shapeDeviation: number;
}

/** Weekly-rhythm features: every day is compared with days of its own kind (weekday or weekend). */
function weeklyRhythm(days: readonly DailyUsage[]): Rhythm {
  // kWh per covered hour × 24, so partial and daylight-saving days compare with whole ones.
  const kinds: { rates: number[]; shapes: number[][] }[] = [
    { rates: [], shapes: [] },
    { rates: [], shapes: [] },
  ];
  const partialShapes: number[][][] = [[], []];
  for (const d of days) {
    const kind = kinds[isWeekend(d.day) ? 1 : 0]!;
    kind.rates.push((d.kwh / coveredHours(d)) * 24);
    const sum = d.hourly.reduce((a, b) => a + b, 0);
    if (d.kwh <= 0 || sum <= 0) continue;
    const shape = d.hourly.map((x) => x / sum);
    // Days with missing intervals have a distorted shape; use them only when no complete day exists.
    if (d.intervals.missing === 0) kind.shapes.push(shape);
    else partialShapes[isWeekend(d.day) ? 1 : 0]!.push(shape);
  }
  if (kinds[0]!.shapes.length + kinds[1]!.shapes.length === 0) {
    kinds[0]!.shapes = partialShapes[0]!;
    kinds[1]!.shapes = partialShapes[1]!;
  }

  const means = kinds.map((k) => (k.rates.length > 0 ? k.rates.reduce((a, b) => a + b, 0) / k.rates.length : 0));
  const [wd, we] = kinds;
  const weekendRatio = wd!.rates.length > 0 && we!.rates.length > 0 && means[0]! > 0 ? means[1]! / means[0]! : null;

  let ss = 0;
  let count = 0;
  let groups = 0;
  let sum = 0;
  kinds.forEach((k, i) => {
    if (k.rates.length > 0) groups++;
    for (const r of k.rates) {
      ss += (r - means[i]!) ** 2;
      sum += r;
      count++;
    }
  });
  const df = count - groups;
  const overall = count > 0 ? sum / count : 0;
  const dailyCv = df > 0 && overall > 0 ? Math.sqrt(ss / df) / overall : 0;

  let distance = 0;
  let shapes = 0;
  for (const k of kinds) {
    if (k.shapes.length === 0) continue;
    const mean = new Array<number>(24).fill(0);
    for (const s of k.shapes) for (let h = 0; h < 24; h++) mean[h]! += s[h]! / k.shapes.length;
    for (const s of k.shapes) {
      let tv = 0;
      for (let h = 0; h < 24; h++) tv += Math.abs(s[h]! - mean[h]!);
      distance += tv / 2;
      shapes++;
    }
  }
  return { weekendRatio, dailyCv, shapeDeviation: shapes > 0 ? distance / shapes : 0 };
}

function isWeekend(day: string): boolean {
  return Zone.weekday(day) >= 6;
}

function parseDay(day: string): number {
  const e = /^\d{4}-\d{2}-\d{2}$/.test(day) ? epochDayOf(day) : Number.NaN;
  if (!Number.isFinite(e) || dayKeyOfEpochDay(e) !== day) throw new Error(`invalid day "${day}"`);
  return e;
}

/** The same calendar day a year earlier; 29 February maps to 28 February. */
export function yearEarlier(day: string): string {
  const y = Number(day.slice(0, 4)) - 1;
  const md = day.slice(5) === '02-29' ? '02-28' : day.slice(5);
  return `${String(y).padStart(4, '0')}-${md}`;
}
