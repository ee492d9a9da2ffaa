import { computeBill, type BillCustomer } from '../billing/compute-bill.ts';
import type { PeriodUsage } from '../billing/bill.ts';
import { DEFAULT_FORECAST, NO_HOLIDAYS, type ForecastConfig, type HolidayCalendar } from '../config.ts';
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
 * - Level and trend: the de-seasonalised daily kWh of the fit window as one straight line, or as two split at a
 *   break (a step, a ramp that began or ended) when that fits better by BIC (`segmentedLine`; at least `breakMinDays`
 *   on each side). The level and the trend are read from the last segment: a customer whose load moved is measured
 *   since the move, one that did not is measured on the whole window (far less noisy than the last 4 weeks). The
 *   slope is kept only when BIC prefers a line to a constant (t² > ln n_eff), shrunk towards 0 by its significance
 *   (× max(0, 1 − 1/t²), t with autocorrelation-inflated standard error), and projected with Gardner's damped trend (φ per day, `damping`) so it is followed but not run out for
 *   ever. The backtest on the samples (a ramp, then flat) showed why: a 12-week slope run on after the ramp ended,
 *   and a 4-week level on very noisy customers, lost to the seasonal-naive baseline.
 * - Annual season: when the history holds the same weeks a year earlier (400 days are read), the year-ago ratio
 *   "target month / the 4 weeks before the forecast" (same weekdays, 364 days back), bounded by `maxSeasonalRatio`,
 *   replaces the linear trend on the mean of the last 4 weeks: it carries the season and last year's trend at once.
 * - Holidays (`holidays`, a calendar in the configuration): statutory days off and make-up workdays (调休) are left
 *   out of the weekday factors, the level and the hourly shapes of the fit window, so a golden week is not read as a
 *   drop of the level; in the target month a day off is projected like the customer's Sunday (kWh and hours) and a
 *   make-up workday like its average Monday–Friday.
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
  /** What the calendar makes of the day at an index (also beyond the series' end). */
  kindAt: (i: number) => DayKind;
}

/** 0 = an ordinary day, 1 = a holiday (projected like the customer's Sunday), 2 = a make-up workday (like its average weekday). */
export type DayKind = 0 | 1 | 2;

/** The calendar as a lookup by epoch day. */
export function dayKinds(cal: HolidayCalendar): (epochDay: number) => DayKind {
  const m = new Map<number, DayKind>();
  for (const r of cal.off) for (let e = epochDayOf(r.from); e <= epochDayOf(r.to); e++) m.set(e, 1);
  for (const d of cal.workdays) m.set(epochDayOf(d), 2);
  return (e) => m.get(e) ?? 0;
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
export function seriesOf(days: readonly ForecastDay[], lastReadable: string, maxHistoryDays: number, calendar: HolidayCalendar = NO_HOLIDAYS): Series {
  const hi = epochDayOf(lastReadable);
  const e0 = hi - maxHistoryDays + 1;
  const n = maxHistoryDays;
  const kind = dayKinds(calendar);
  const s: Series = { e0, kwh: new Float64Array(n).fill(Number.NaN), maxKw: new Float64Array(n).fill(Number.NaN), dow: new Uint8Array(n), days: new Array(n), end: -1, count: 0, kindAt: (i) => kind(e0 + i) };
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
  /** The weekly factor a day index is projected with: its weekday's, Sunday's on a holiday, Monday–Friday's mean on a make-up workday. */
  factorAt: (i: number) => number;
  /** Fitted de-seasonalised level at index i (the OLS line of the segment the day falls in). */
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
    n++;
    if (s.kindAt(i) !== 0) continue; // a holiday or a make-up workday says nothing of its weekday
    sum[s.dow[i]!] += y;
    cnt[s.dow[i]!]++;
  }
  if (n < cfg.minDays) return null;
  const means = sum.map((x, w) => (cnt[w]! > 0 ? x / cnt[w]! : Number.NaN));
  const known = means.filter((m) => !Number.isNaN(m));
  const overall = known.reduce((a, b) => a + b, 0) / known.length;
  const dowFactor = means.map((m) => (overall > 0 && !Number.isNaN(m) ? m / overall : 1));
  const workdayFactor = dowFactor.slice(0, 5).reduce((a, x) => a + x, 0) / 5;
  const factorAt = (i: number): number => {
    const k = s.kindAt(i);
    return k === 1 ? dowFactor[6]! : k === 2 ? workdayFactor : dowFactor[dowIndex(s, i)]!;
  };
  // De-seasonalised level z = y / factor, on days whose weekday carries load (a closed weekend says nothing of the level).
  const z = (i: number): number => {
    const f = dowFactor[s.dow[i]!]!;
    const y = s.kwh[i]!;
    return Number.isNaN(y) || f < 0.05 || s.kindAt(i) !== 0 ? Number.NaN : y / f;
  };
  const ts: number[] = [];
  const zs: number[] = [];
  for (let i = start; i <= end; i++) {
    const v = z(i);
    if (Number.isNaN(v)) continue;
    ts.push(i);
    zs.push(v);
  }
  const seg = segmentedLine(ts, zs, cfg);
  const { tBar, zBar, sxx, m, sr } = seg.last;
  const fitted = seg.fitted;
  const inflate = (1 + seg.rho) / (1 - seg.rho);
  // The last segment's slope, kept only when BIC prefers a line to a constant (t² > ln n_eff, n_eff the days
  // deflated for autocorrelation; the same criterion as the break), then shrunk towards 0 by its significance:
  // b·max(0, 1 − 1/t²) estimates the MSE-optimal factor b²/(b² + se²) (E[b̂²] = b² + se²), se from residuals inflated
  // for their autocorrelation. A slope lost in day-to-day noise is not projected (on a long lever: the level is read
  // at the window's end and projected a month on), a clear one is, nearly whole.
  const se = sxx > 0 ? Math.sqrt((inflate * sr * sr) / sxx) : Number.POSITIVE_INFINITY;
  // An exact line (no residual) has an infinite t; no spread of days (sxx = 0), none.
  const tStat = !Number.isFinite(se) ? 0 : se > 0 ? seg.last.b / se : seg.last.b === 0 ? 0 : Number.POSITIVE_INFINITY;
  const nEff = Math.max(3, m / inflate);
  const trend = tStat * tStat <= Math.log(nEff) ? 0 : seg.last.b * Math.max(0, 1 - 1 / (tStat * tStat));
  // Level now: the last segment's mean moved to the last day by the (shrunk) trend.
  const lastLevel = m > 0 ? zBar + trend * (end - tBar) : 0;
  // Year-ago ratio (same weekdays 364 days back) when both year-ago stretches are covered.
  const ratio = yearAgoRatio(s, end, targets, z, cfg);
  const phi = cfg.damping;
  let recent = 0;
  let recentN = 0;
  for (let i = end - 27; i <= end; i++) {
    const v = i >= 0 ? z(i) : Number.NaN;
    if (!Number.isNaN(v)) {
      recent += v;
      recentN++;
    }
  }
  const level = targets.map((t) => {
    if (ratio !== null && recentN > 0) return Math.max(0, (recent / recentN) * ratio);
    const h = t - end;
    const damped = phi >= 1 ? h : (phi * (1 - phi ** h)) / (1 - phi);
    return Math.max(0, lastLevel + trend * damped);
  });
  const daily = targets.map((t, k) => level[k]! * factorAt(t));
  const total = daily.reduce((a, x) => a + x, 0);
  // Analytic variance of the total: independent daily noise plus the (fully correlated) level/trend uncertainty.
  let sf = 0;
  let sf2 = 0;
  let tEff = 0;
  for (let k = 0; k < targets.length; k++) {
    const f = factorAt(targets[k]!);
    sf += f;
    sf2 += f * f;
    const h = targets[k]! - end;
    tEff += end + (phi >= 1 ? h : (phi * (1 - phi ** h)) / (1 - phi));
  }
  tEff /= Math.max(targets.length, 1);
  const levelVar = sr * sr * (1 / Math.max(m, 1) + (sxx > 0 ? (tEff - tBar) ** 2 / sxx : 0));
  const variance = inflate * (sf2 * sr * sr + sf * sf * levelVar);
  const sigma = total > 0 ? Math.sqrt(variance) / total : 0;
  return { daily, level, dowFactor, factorAt, fitted, sigma, start, n, yearAgo: ratio !== null && recentN > 0 };
}

/** An OLS line over some days: mean day and value, slope, Σ(t − t̄)², residual sum of squares, count, residual σ. */
interface Line {
  tBar: number;
  zBar: number;
  b: number;
  sxx: number;
  rss: number;
  m: number;
  sr: number;
}

/** The de-seasonalised level as one line, or two lines split at a break, and what the projection reads of it. */
interface Segmented {
  /** The line the level and the trend are read from: the whole window's, or the one after the break. */
  last: Line;
  /** Fitted level at a day index: the line of the segment the day falls in. */
  fitted: (i: number) => number;
  /** Lag-1 autocorrelation of the residuals of the chosen fit, in [0, 0.9]. */
  rho: number;
  /** First day index of the last segment when a break was chosen, else null. */
  breakAt: number | null;
}

/** OLS lines over index ranges of (t, z) in O(1) each, from prefix sums (centred, so the sums stay small). */
function lineFitter(ts: readonly number[], zs: readonly number[]): (from: number, to: number) => Line {
  const n = ts.length;
  const t0 = n > 0 ? ts[0]! : 0;
  const z0 = n > 0 ? zs.reduce((a, x) => a + x, 0) / n : 0;
  const St = new Float64Array(n + 1);
  const Sz = new Float64Array(n + 1);
  const Stt = new Float64Array(n + 1);
  const Szz = new Float64Array(n + 1);
  const Stz = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const t = ts[k]! - t0;
    const v = zs[k]! - z0;
    St[k + 1] = St[k]! + t;
    Sz[k + 1] = Sz[k]! + v;
    Stt[k + 1] = Stt[k]! + t * t;
    Szz[k + 1] = Szz[k]! + v * v;
    Stz[k + 1] = Stz[k]! + t * v;
  }
  // Line over positions [from, to) of the arrays.
  return (from, to) => {
    const m = to - from;
    if (m <= 0) return { tBar: 0, zBar: 0, b: 0, sxx: 0, rss: 0, m: 0, sr: 0 };
    const tBar = (St[to]! - St[from]!) / m;
    const zBar = (Sz[to]! - Sz[from]!) / m;
    const sxx = Math.max(0, Stt[to]! - Stt[from]! - m * tBar * tBar);
    const sxz = Stz[to]! - Stz[from]! - m * tBar * zBar;
    const szz = Math.max(0, Szz[to]! - Szz[from]! - m * zBar * zBar);
    const b = sxx > 0 ? sxz / sxx : 0;
    const rss = Math.max(0, szz - b * sxz);
    return { tBar: tBar + t0, zBar: zBar + z0, b, sxx, rss, m, sr: m > 2 ? Math.sqrt(rss / (m - 2)) : 0 };
  };
}

/** Lag-1 autocorrelation (consecutive days only) of the residuals of `fitted`, bounded to [0, 0.9]. */
function residualRho(ts: readonly number[], zs: readonly number[], fitted: (i: number) => number): number {
  let rss = 0;
  let lag = 0;
  for (let k = 0; k < ts.length; k++) {
    const r = zs[k]! - fitted(ts[k]!);
    rss += r * r;
    if (k > 0 && ts[k - 1] === ts[k]! - 1) lag += r * (zs[k - 1]! - fitted(ts[k - 1]!));
  }
  return rss > 0 ? Math.min(0.9, Math.max(0, lag / rss)) : 0;
}

/**
 * The de-seasonalised level over the fit window as one straight line, or as two (a break: a step, a ramp that
 * started or ended, a trend that turned) when that fits better by BIC. The break is searched over every day that
 * leaves `breakMinDays` on each side; BIC counts 2 parameters for one line and 5 for two (two lines and the break
 * day), and uses the effective sample size n·(1 − ρ)/(1 + ρ) of autocorrelated daily residuals, so day-to-day
 * persistence is not taken for a break. Why: the level of a customer whose load moved recently is what it does since
 * then, but a customer who did not move is measured on the whole window (a long mean is far less noisy than 4 weeks).
 */
function segmentedLine(ts: readonly number[], zs: readonly number[], cfg: ForecastConfig): Segmented {
  const line = lineFitter(ts, zs);
  const n = ts.length;
  const whole = line(0, n);
  const at = (l: Line) => (i: number) => l.zBar + l.b * (i - l.tBar);
  const one: Segmented = { last: whole, fitted: at(whole), rho: 0, breakAt: null };
  one.rho = residualRho(ts, zs, one.fitted);
  if (n < 2 * cfg.breakMinDays || whole.rss <= 0) return one;
  let best: { k: number; rss: number } | null = null;
  for (let k = 1; k < n; k++) {
    if (ts[k]! - ts[0]! < cfg.breakMinDays || ts[n - 1]! - ts[k]! + 1 < cfg.breakMinDays) continue;
    const rss = line(0, k).rss + line(k, n).rss;
    if (best === null || rss < best.rss) best = { k, rss };
  }
  if (best === null) return one;
  const pre = line(0, best.k);
  const post = line(best.k, n);
  const split = ts[best.k]!;
  const fitted2 = (i: number): number => (i < split ? at(pre)(i) : at(post)(i));
  const rho2 = residualRho(ts, zs, fitted2);
  const nEff = Math.max(3, (n * (1 - rho2)) / (1 + rho2));
  const bic = (rss: number, p: number) => nEff * Math.log(Math.max(rss, 1e-12) / n) + p * Math.log(nEff);
  if (bic(best.rss, 5) >= bic(whole.rss, 2)) return one;
  return { last: post, fitted: fitted2, rho: rho2, breakAt: split };
}

/** Day of week (0 = Monday) of a series index, also beyond the series' end. */
export function dowIndex(s: Series, i: number): number {
  return (((s.e0 + i + 3) % 7) + 7) % 7;
}

function yearAgoRatio(s: Series, end: number, targets: readonly number[], z: (i: number) => number, cfg: ForecastConfig): number | null {
  const mean = (idx: number[]): number | null => {
    let a = 0;
    let k = 0;
    let read = 0;
    for (const i of idx) {
      if (i < 0 || i >= s.kwh.length || Number.isNaN(s.kwh[i]!)) continue;
      read++;
      const v = z(i);
      if (!Number.isNaN(v)) {
        a += v;
        k++;
      }
    }
    // Coverage counts days with data (a weekday-only plant's idle weekends have data but no level to read).
    return read >= 0.8 * idx.length && k > 0 ? a / k : null;
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

/**
 * Mean hourly shares over the fit window: per day of the week (0..6), and Monday–Friday pooled (7, for make-up
 * workdays); holidays and make-up workdays of the window are left out. Uniform where nothing is known.
 */
function hourlyShapes(s: Series, start: number, end: number): number[][] {
  const acc = Array.from({ length: 9 }, () => new Array<number>(24).fill(0));
  for (let i = start; i <= end; i++) {
    const d = s.days[i];
    if (!d || d.hourly.length !== 24 || s.kindAt(i) !== 0) continue;
    const w = s.dow[i]!;
    for (let h = 0; h < 24; h++) {
      acc[w]![h]! += d.hourly[h]!;
      if (w < 5) acc[7]![h]! += d.hourly[h]!;
      acc[8]![h]! += d.hourly[h]!;
    }
  }
  const norm = (a: number[]): number[] | null => {
    const t = a.reduce((x, y) => x + y, 0);
    return t > 0 ? a.map((x) => x / t) : null;
  };
  const all = norm(acc[8]!) ?? new Array<number>(24).fill(1 / 24);
  return acc.slice(0, 8).map((a) => norm(a) ?? all);
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
  const s = seriesOf(input.days, target.lastReadable, cfg.maxHistoryDays, cfg.holidays);
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
  const projected = projectDays(target.epochs, f.daily, (k) => {
    const kind = s.kindAt(targets[k]!);
    return shapes[kind === 1 ? 6 : kind === 2 ? 7 : dowIndex(s, targets[k]!)]!;
  }, input.bands, maxDemandKw, reactiveRatio(s, f.start, s.end));
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
