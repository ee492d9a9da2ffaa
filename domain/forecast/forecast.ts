import { computeBill, type BillCustomer } from '../billing/compute-bill.ts';
import type { PeriodUsage } from '../billing/bill.ts';
import { DEFAULT_FORECAST, type ForecastConfig } from '../config.ts';
import { periodRange, shiftPeriod } from '../statements/compose-statement.ts';
import type { Tariff } from '../tariffs/tariff.ts';
import { dayKeyOfEpochDay, epochDayOf, Zone } from '../time/zone.ts';
import { BANDS, type Band, type BandSchedule, type DailyUsage } from '../usage/daily-usage.ts';

/**
 * Next calendar month's kWh (by band) and maximum demand for one customer, with an interval (issue 11 §1).
 *
 * Why this model: key-account load is dominated by the weekly rhythm (shifts, idle weekends) and moves slowly
 * (growth, decline, the season), with the odd step change. A classical decomposition captures exactly that, is
 * explainable to an account manager in one sentence and runs in well under a millisecond per customer, so it needs
 * no ML service and no library:
 * - Weekly rhythm: one multiplicative factor per day of the week (mean of that weekday / mean of the weekday means)
 *   over the fit window (`fitDays`, 12 weeks). A weekday-only plant gets factors ≈ 0 for its weekend days.
 * - Level and trend: the level is the mean de-seasonalised kWh of the last 4 weeks (what the customer does now). The
 *   trend is the least-squares slope of the fit window, projected with Gardner's damped trend (φ per day, `damping`)
 *   so it is followed but not run out for ever, and only when the last 6 weeks' slope agrees in sign (the smaller
 *   of the two then): a ramp or step that has ended is not run on, which the backtest on the samples showed matters.
 * - Annual season: when the history holds the same weeks a year earlier (400 days are read), the year-ago ratio
 *   "target month / the 4 weeks before the forecast" (same weekdays, 364 days back), bounded by `maxSeasonalRatio`,
 *   replaces the linear trend on the mean of the last 4 weeks: it carries the season and last year's trend at once.
 * - Hours and bands: the mean hourly shape per day of the week over the fit window, laid over the forecast days and
 *   banded with the given schedule (weekday/weekend rows, month columns), so bands add up to kWh by construction.
 * - Interval: log-normal with σ pooled from the model's own errors on held-out recent 28-day blocks (refit without
 *   them, forecast them, compare; up to `holdouts`) and, as two pseudo-observations, the analytic σ from the fit's
 *   daily residuals and the trend's parameter uncertainty (so a short history still gets a sensible width); the
 *   quantile is Student's t with (blocks + 2) degrees of freedom, as σ comes from few blocks.
 * - Maximum demand: the daily maxima of the fit window divided by the fitted (de-seasonalised) level of their day
 *   give a distribution of "peak per unit of level"; the month's maximum is the maximum of its N days drawn from
 *   it (expected value, and its 10%/90% quantiles in closed form: P(max ≤ q₍ᵢ₎) = (i/M)ᴺ), times the forecast level.
 *
 * Only days before the target month (and on or before `asOf`) are read: a forecast, never a nowcast. Pure: no clock.
 */

/** The fields of a day the forecast reads (a DailyUsage fits). */
export type ForecastDay = Pick<DailyUsage, 'day' | 'kwh' | 'hourly' | 'bands' | 'maxDemandKw' | 'kvarh'>;

export interface ForecastInput {
  days: readonly ForecastDay[];
  /** Target month yyyy-mm; default: the month after `asOf`'s month, or after the last complete month of data. */
  period?: string;
  /** Last day that may be read (inclusive); default: every day before the target month. */
  asOf?: string;
  /** Band schedule for the forecast days' bands (the customer's tariff's, or the configured default). */
  bands: BandSchedule;
  /** With both, the projected bill of the forecast month. */
  tariff?: Tariff;
  customer?: BillCustomer;
  config?: ForecastConfig;
}

export type ForecastMethod = 'weekly-profile-damped-trend' | 'weekly-profile-year-ago' | 'seasonal-naive';

export interface Forecast {
  period: string;
  kwh: number;
  kwhLow: number;
  kwhHigh: number;
  bands: Record<Band, number>;
  maxDemandKw: number;
  maxDemandLow: number;
  maxDemandHigh: number;
  bill?: { total: string; currency: string };
  method: ForecastMethod;
  /** Days of data the forecast read, and their span. */
  basis: { days: number; from: string; to: string };
}

export interface NoForecast {
  period: string;
  reason: 'too-little-history';
  /** Days of data in the fit window, and how many are needed. */
  days: number;
  needed: number;
}

export type ForecastResult = Forecast | NoForecast;

export const isForecast = (r: ForecastResult): r is Forecast => !('reason' in r);

const HOLDOUT_DAYS = 28;
/** Pseudo-observations the analytic σ counts for beside the held-out errors. */
const ANALYTIC_WEIGHT = 2;

/** The dense daily series a forecast works on: index 0 = epoch day `e0`; NaN kWh = no data that day. */
export interface Series {
  e0: number;
  kwh: Float64Array;
  maxKw: Float64Array;
  /** Day of week 0 = Monday .. 6 = Sunday. */
  dow: Uint8Array;
  days: (ForecastDay | undefined)[];
  /** Index of the last day with data. */
  end: number;
  count: number;
}

export interface Target {
  period: string;
  from: string;
  to: string;
  /** Epoch days of the target month. */
  epochs: number[];
  /** Last day that may be read. */
  lastReadable: string;
}

/** The target month and the last readable day, from the input's period / asOf / data. */
export function targetOf(days: readonly ForecastDay[], period?: string, asOf?: string): Target {
  let p = period;
  if (p === undefined) {
    if (asOf !== undefined) p = shiftPeriod(asOf.slice(0, 7), 1);
    else {
      const last = days.reduce((m, d) => (d.day > m ? d.day : m), '');
      if (last === '') throw new Error('no period, no asOf and no days: nothing to forecast');
      const r = periodRange(last.slice(0, 7));
      p = last === r.to ? shiftPeriod(r.period, 1) : r.period;
    }
  }
  const r = periodRange(p);
  const dayBefore = dayKeyOfEpochDay(epochDayOf(r.from) - 1);
  const lastReadable = asOf !== undefined && asOf < dayBefore ? asOf : dayBefore;
  const e = epochDayOf(r.from);
  return { period: p, from: r.from, to: r.to, epochs: Array.from({ length: r.days }, (_, i) => e + i), lastReadable };
}

/** Days on or before `lastReadable` and within `maxHistoryDays` of it, dense; a day given twice: the later entry wins. */
export function seriesOf(days: readonly ForecastDay[], lastReadable: string, maxHistoryDays: number): Series {
  const hi = epochDayOf(lastReadable);
  const e0 = hi - maxHistoryDays + 1;
  const n = maxHistoryDays;
  const s: Series = { e0, kwh: new Float64Array(n).fill(Number.NaN), maxKw: new Float64Array(n).fill(Number.NaN), dow: new Uint8Array(n), days: new Array(n), end: -1, count: 0 };
  for (let i = 0; i < n; i++) s.dow[i] = Zone.weekday(dayKeyOfEpochDay(e0 + i)) - 1;
  for (const d of days) {
    if (d.day > lastReadable) continue;
    const i = epochDayOf(d.day) - e0;
    if (i < 0 || !Number.isFinite(d.kwh)) continue;
    if (s.days[i] === undefined) s.count++;
    s.days[i] = d;
    s.kwh[i] = d.kwh;
    s.maxKw[i] = d.maxDemandKw;
    if (i > s.end) s.end = i;
  }
  return s;
}

interface Fit {
  /** Forecast kWh per target index. */
  daily: number[];
  /** Forecast de-seasonalised level per target index. */
  level: number[];
  dowFactor: number[];
  /** Fitted de-seasonalised level at index i (the OLS line). */
  fitted: (i: number) => number;
  /** Analytic relative σ of the target total. */
  sigma: number;
  start: number;
  n: number;
  yearAgo: boolean;
}

/** The model fitted on the fit window ending at `end`, projected over the target indices; null under `minDays`. */
function fit(s: Series, end: number, targets: readonly number[], cfg: ForecastConfig): Fit | null {
  const start = Math.max(0, end - cfg.fitDays + 1);
  const sum = new Array<number>(7).fill(0);
  const cnt = new Array<number>(7).fill(0);
  let n = 0;
  for (let i = start; i <= end; i++) {
    const y = s.kwh[i]!;
    if (Number.isNaN(y)) continue;
    sum[s.dow[i]!] += y;
    cnt[s.dow[i]!]++;
    n++;
  }
  if (n < cfg.minDays) return null;
  const means = sum.map((x, w) => (cnt[w]! > 0 ? x / cnt[w]! : Number.NaN));
  const known = means.filter((m) => !Number.isNaN(m));
  const overall = known.reduce((a, b) => a + b, 0) / known.length;
  const dowFactor = means.map((m) => (overall > 0 && !Number.isNaN(m) ? m / overall : 1));
  // De-seasonalised level z = y / factor, on days whose weekday carries load (a closed weekend says nothing of the level).
  const z = (i: number): number => {
    const f = dowFactor[s.dow[i]!]!;
    const y = s.kwh[i]!;
    return Number.isNaN(y) || f < 0.05 ? Number.NaN : y / f;
  };
  let m = 0;
  let st = 0;
  let sz = 0;
  for (let i = start; i <= end; i++) {
    const v = z(i);
    if (Number.isNaN(v)) continue;
    m++;
    st += i;
    sz += v;
  }
  const tBar = st / Math.max(m, 1);
  const zBar = sz / Math.max(m, 1);
  let sxx = 0;
  let sxz = 0;
  for (let i = start; i <= end; i++) {
    const v = z(i);
    if (Number.isNaN(v)) continue;
    sxx += (i - tBar) ** 2;
    sxz += (i - tBar) * (v - zBar);
  }
  const b = sxx > 0 ? sxz / sxx : 0;
  const fitted = (i: number): number => zBar + b * (i - tBar);
  let rss = 0;
  for (let i = start; i <= end; i++) {
    const v = z(i);
    if (!Number.isNaN(v)) rss += (v - fitted(i)) ** 2;
  }
  const sr = m > 2 ? Math.sqrt(rss / (m - 2)) : 0;
  // Day-to-day load is autocorrelated (a busy week stays busy): the lag-1 correlation of the residuals inflates the
  // variance of a sum by (1 + ρ) / (1 − ρ) (the effective sample size), which independent noise would understate.
  let lag = 0;
  for (let i = start + 1; i <= end; i++) {
    const u = z(i - 1);
    const v = z(i);
    if (!Number.isNaN(u) && !Number.isNaN(v)) lag += (u - fitted(i - 1)) * (v - fitted(i));
  }
  const rho = rss > 0 ? Math.min(0.9, Math.max(0, lag / rss)) : 0;
  const inflate = (1 + rho) / (1 - rho);

  // Year-ago ratio (same weekdays 364 days back) when both year-ago stretches are covered.
  const ratio = yearAgoRatio(s, end, targets, z, cfg);
  const phi = cfg.damping;
  let recent = 0;
  let recentN = 0;
  let recentT = 0;
  for (let i = end - 27; i <= end; i++) {
    const v = i >= 0 ? z(i) : Number.NaN;
    if (!Number.isNaN(v)) {
      recent += v;
      recentN++;
      recentT += i;
    }
  }
  // The trend projected is the smaller of the window's slope and the last 6 weeks' slope when they agree in sign,
  // none when they do not: a ramp that has ended (or a step) is not run on, a steady trend is. The level starts
  // from the mean of the last 4 weeks (moved to the last day by that trend), not from the line's end, so a level
  // that moved recently is taken as it is now.
  const bRecent = slope(z, Math.max(start, end - 41), end);
  const trend = Math.sign(b) === Math.sign(bRecent) ? Math.sign(b) * Math.min(Math.abs(b), Math.abs(bRecent)) : 0;
  const lastLevel = recentN > 0 ? recent / recentN + trend * (end - recentT / recentN) : fitted(end);
  const level = targets.map((t) => {
    if (ratio !== null && recentN > 0) return Math.max(0, (recent / recentN) * ratio);
    const h = t - end;
    const damped = phi >= 1 ? h : (phi * (1 - phi ** h)) / (1 - phi);
    return Math.max(0, lastLevel + trend * damped);
  });
  const daily = targets.map((t, k) => level[k]! * dowFactor[dowIndex(s, t)]!);
  const total = daily.reduce((a, x) => a + x, 0);
  // Analytic variance of the total: independent daily noise plus the (fully correlated) level/trend uncertainty.
  let sf = 0;
  let sf2 = 0;
  let tEff = 0;
  for (let k = 0; k < targets.length; k++) {
    const f = dowFactor[dowIndex(s, targets[k]!)]!;
    sf += f;
    sf2 += f * f;
    const h = targets[k]! - end;
    tEff += end + (phi >= 1 ? h : (phi * (1 - phi ** h)) / (1 - phi));
  }
  tEff /= Math.max(targets.length, 1);
  const levelVar = sr * sr * (1 / Math.max(m, 1) + (sxx > 0 ? (tEff - tBar) ** 2 / sxx : 0));
  const variance = inflate * (sf2 * sr * sr + sf * sf * levelVar);
  const sigma = total > 0 ? Math.sqrt(variance) / total : 0;
  return { daily, level, dowFactor, fitted, sigma, start, n, yearAgo: ratio !== null && recentN > 0 };
}

/** OLS slope of z over [from, to] (days without a value skipped); 0 with fewer than two values. */
function slope(z: (i: number) => number, from: number, to: number): number {
  let m = 0;
  let st = 0;
  let sz = 0;
  for (let i = from; i <= to; i++) {
    const v = z(i);
    if (Number.isNaN(v)) continue;
    m++;
    st += i;
    sz += v;
  }
  if (m < 2) return 0;
  let sxx = 0;
  let sxz = 0;
  for (let i = from; i <= to; i++) {
    const v = z(i);
    if (Number.isNaN(v)) continue;
    sxx += (i - st / m) ** 2;
    sxz += (i - st / m) * (v - sz / m);
  }
  return sxx > 0 ? sxz / sxx : 0;
}

/** Day of week (0 = Monday) of a series index, also beyond the series' end. */
export function dowIndex(s: Series, i: number): number {
  return (((s.e0 + i + 3) % 7) + 7) % 7;
}

function yearAgoRatio(s: Series, end: number, targets: readonly number[], z: (i: number) => number, cfg: ForecastConfig): number | null {
  const mean = (idx: number[]): number | null => {
    let a = 0;
    let k = 0;
    for (const i of idx) {
      const v = i >= 0 && i < s.kwh.length ? z(i) : Number.NaN;
      if (!Number.isNaN(v)) {
        a += v;
        k++;
      }
    }
    return k >= 0.8 * idx.length && k > 0 ? a / k : null;
  };
  const before = mean(Array.from({ length: 28 }, (_, k) => end - 27 + k - 364));
  const target = mean(targets.map((t) => t - 364));
  if (before === null || target === null || before <= 0) return null;
  const r = target / before;
  return Math.min(cfg.maxSeasonalRatio, Math.max(1 / cfg.maxSeasonalRatio, r));
}

/** z such that a standard normal falls in [−z, z] with the given probability (bisection on erf; coverage in (0, 1)). */
export function normalQuantile(coverage: number): number {
  let lo = 0;
  let hi = 10;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (erf(mid / Math.SQRT2) < coverage) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Student's t quantile from the normal one by the Cornish–Fisher expansion (within 1% for ν ≥ 2 at 80–95%). */
export function studentQuantile(z: number, nu: number): number {
  return z + (z ** 3 + z) / (4 * nu) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * nu * nu);
}

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), for x ≥ 0. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return y;
}

/** Relative errors (actual / forecast − 1) of the model on the last held-out 28-day blocks. */
function holdoutErrors(s: Series, cfg: ForecastConfig): number[] {
  const errors: number[] = [];
  for (let k = 1; k <= cfg.holdouts; k++) {
    const end = s.end - HOLDOUT_DAYS * k;
    if (end < cfg.minDays) break;
    const targets = Array.from({ length: HOLDOUT_DAYS }, (_, j) => end + 1 + j);
    const f = fit(s, end, targets, cfg);
    if (f === null) break;
    let fc = 0;
    let act = 0;
    let covered = 0;
    targets.forEach((t, j) => {
      const y = s.kwh[t]!;
      if (Number.isNaN(y)) return;
      fc += f.daily[j]!;
      act += y;
      covered++;
    });
    if (covered < 0.8 * HOLDOUT_DAYS || fc <= 0) continue;
    errors.push(Math.log(Math.max(act, 1e-9) / fc));
  }
  return errors;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Mean hourly shares per day of the week over the fit window (uniform where nothing is known). */
function hourlyShapes(s: Series, start: number, end: number): number[][] {
  const acc = Array.from({ length: 8 }, () => new Array<number>(24).fill(0));
  for (let i = start; i <= end; i++) {
    const d = s.days[i];
    if (!d || d.hourly.length !== 24) continue;
    const w = s.dow[i]!;
    for (let h = 0; h < 24; h++) {
      acc[w]![h]! += d.hourly[h]!;
      acc[7]![h]! += d.hourly[h]!;
    }
  }
  const norm = (a: number[]): number[] | null => {
    const t = a.reduce((x, y) => x + y, 0);
    return t > 0 ? a.map((x) => x / t) : null;
  };
  const all = norm(acc[7]!) ?? new Array<number>(24).fill(1 / 24);
  return acc.slice(0, 7).map((a) => norm(a) ?? all);
}

/** Forecast days as the billing engine reads them, and the band totals under `schedule`. */
export function projectDays(epochs: readonly number[], kwh: readonly number[], shapeOf: (k: number) => number[], schedule: BandSchedule, maxKw: number, kvarhPerKwh: number | null): { days: PeriodUsage['days']; bands: Record<Band, number> } {
  const bands: Record<Band, number> = { sharp: 0, peak: 0, flat: 0, valley: 0 };
  const days = epochs.map((e, k) => {
    const day = dayKeyOfEpochDay(e);
    const weekend = Zone.weekday(day) >= 6;
    const month = +day.slice(5, 7) - 1;
    const row = (weekend ? schedule.weekend : schedule.weekday)[month]!;
    const shape = shapeOf(k);
    const hourly = shape.map((x) => x * kwh[k]!);
    const b: Record<Band, number> = { sharp: 0, peak: 0, flat: 0, valley: 0 };
    hourly.forEach((v, h) => (b[row[h]!] += v));
    for (const x of BANDS) bands[x] += b[x];
    return { day, kwh: kwh[k]!, bands: b, maxDemandKw: maxKw, kvarh: kvarhPerKwh === null ? null : kvarhPerKwh * kwh[k]!, estimated: 0, missing: 0, hourly };
  });
  return { days, bands };
}

/** kvarh per kWh over the days that report it, or null (then the bill flags no power factor). */
export function reactiveRatio(s: Series, start: number, end: number): number | null {
  let p = 0;
  let q = 0;
  for (let i = start; i <= end; i++) {
    const d = s.days[i];
    if (d && d.kvarh !== null) {
      p += d.kwh;
      q += Math.abs(d.kvarh);
    }
  }
  return p > 0 ? q / p : null;
}

export function billOf(input: ForecastInput, target: Target, days: PeriodUsage['days']): Forecast['bill'] {
  if (!input.tariff || !input.customer) return undefined;
  try {
    const bill = computeBill({ customer: input.customer, tariff: input.tariff, usage: { from: target.from, to: target.to, days }, periodDays: target.epochs.length });
    return { total: bill.total, currency: bill.currency };
  } catch {
    return undefined; // the tariff cannot bill this customer (no version for the month, a missing contract figure)
  }
}

function basisOf(s: Series, start: number, end: number): Forecast['basis'] {
  let n = 0;
  let first = -1;
  for (let i = start; i <= end; i++) {
    if (s.days[i] === undefined) continue;
    n++;
    if (first < 0) first = i;
  }
  return { days: n, from: dayKeyOfEpochDay(s.e0 + Math.max(first, 0)), to: dayKeyOfEpochDay(s.e0 + end) };
}

/** Next month's forecast for one customer (see the module comment for the model). */
export function forecastNextMonth(input: ForecastInput): ForecastResult {
  const cfg = input.config ?? DEFAULT_FORECAST;
  const target = targetOf(input.days, input.period, input.asOf);
  const s = seriesOf(input.days, target.lastReadable, cfg.maxHistoryDays);
  const targets = target.epochs.map((e) => e - s.e0);
  const f = s.end < 0 ? null : fit(s, s.end, targets, cfg);
  if (f === null) {
    let inWindow = 0;
    for (let i = Math.max(0, s.end - cfg.fitDays + 1); i <= s.end; i++) if (s.days[i]) inWindow++;
    return { period: target.period, reason: 'too-little-history', days: inWindow, needed: cfg.minDays };
  }
  const kwh = f.daily.reduce((a, x) => a + x, 0);
  const errors = holdoutErrors(s, cfg);
  const sigma = Math.sqrt((errors.reduce((a, e) => a + e * e, 0) + ANALYTIC_WEIGHT * f.sigma * f.sigma) / (errors.length + ANALYTIC_WEIGHT));
  // σ is estimated from few blocks: Student's t with (blocks + pseudo-observations) degrees of freedom, not the normal.
  const zq = studentQuantile(normalQuantile(cfg.coverage), errors.length + ANALYTIC_WEIGHT);
  const widen = Math.exp(zq * sigma);

  // Maximum demand: distribution of daily max / fitted level, maximum of N draws, times the forecast level.
  const q: number[] = [];
  for (let i = f.start; i <= s.end; i++) {
    const mx = s.maxKw[i]!;
    const lv = f.fitted(i);
    if (!Number.isNaN(mx) && lv > 0) q.push(mx / lv);
  }
  q.sort((a, b) => a - b);
  const level = f.level.reduce((a, x) => a + x, 0) / Math.max(f.level.length, 1);
  const N = targets.length;
  const M = q.length;
  let expected = 0;
  const quantile = (p: number): number => (M === 0 ? 0 : q[Math.min(M - 1, Math.max(0, Math.ceil(M * p ** (1 / N)) - 1))]!);
  for (let i = 1; i <= M; i++) expected += q[i - 1]! * ((i / M) ** N - ((i - 1) / M) ** N);
  const maxDemandKw = expected * level;
  const lowTail = (1 - cfg.coverage) / 2;

  const shapes = hourlyShapes(s, f.start, s.end);
  const projected = projectDays(target.epochs, f.daily, (k) => shapes[dowIndex(s, targets[k]!)]!, input.bands, maxDemandKw, reactiveRatio(s, f.start, s.end));
  const bill = billOf(input, target, projected.days);
  return {
    period: target.period,
    kwh: round3(kwh),
    kwhLow: round3(kwh / widen),
    kwhHigh: round3(kwh * widen),
    bands: Object.fromEntries(BANDS.map((b) => [b, round3(projected.bands[b])])) as Record<Band, number>,
    maxDemandKw: round3(maxDemandKw),
    maxDemandLow: round3(Math.min(maxDemandKw, quantile(lowTail) * level / widen)),
    maxDemandHigh: round3(Math.max(maxDemandKw, quantile(1 - lowTail) * level * widen)),
    ...(bill ? { bill } : {}),
    method: f.yearAgo ? 'weekly-profile-year-ago' : 'weekly-profile-damped-trend',
    basis: basisOf(s, f.start, s.end),
  };
}
