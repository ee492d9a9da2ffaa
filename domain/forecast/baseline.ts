import { DEFAULT_FORECAST } from '../config.ts';
import { BANDS, type Band } from '../usage/daily-usage.ts';
import { billOf, dowIndex, projectDays, reactiveRatio, seriesOf, targetOf, type Forecast, type ForecastInput, type ForecastResult } from './forecast.ts';

const WINDOW = 28;
/** The baseline needs 3 of its 4 weeks. */
const MIN_DAYS = 21;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Seasonal-naive baseline (issue 11 §2): the last 4 complete weeks before the month repeated over it, weekday on
 * weekday (target day t takes the window day 28·k days earlier). A missing window day takes the mean of the window's
 * days of its weekday. kWh low/high: the smallest and largest of the 4 weekly totals, per day, over the month; max
 * demand: the window's largest daily maximum (no interval). Hours and bands: the window days' own hourly values.
 */
export function baselineNextMonth(input: ForecastInput): ForecastResult {
  const target = targetOf(input.days, input.period, input.asOf);
  const s = seriesOf(input.days, target.lastReadable, Math.max(WINDOW, (input.config ?? DEFAULT_FORECAST).maxHistoryDays));
  const end = s.end;
  const start = end - WINDOW + 1;
  let n = 0;
  const sum = new Array<number>(7).fill(0);
  const cnt = new Array<number>(7).fill(0);
  const weeks = [0, 0, 0, 0];
  const weekDays = [0, 0, 0, 0];
  let maxKw = 0;
  for (let i = Math.max(start, 0); i <= end; i++) {
    const y = s.kwh[i]!;
    if (Number.isNaN(y)) continue;
    n++;
    sum[s.dow[i]!] += y;
    cnt[s.dow[i]!]++;
    const w = Math.floor((i - start) / 7);
    weeks[w]! += y;
    weekDays[w]!++;
    maxKw = Math.max(maxKw, s.maxKw[i]!);
  }
  if (end < 0 || n < MIN_DAYS) return { period: target.period, reason: 'too-little-history', days: n, needed: MIN_DAYS };
  const sources = target.epochs.map((e) => {
    const t = e - s.e0;
    const src = start + ((((t - start) % WINDOW) + WINDOW) % WINDOW);
    return s.days[src] === undefined ? null : src;
  });
  const daily = target.epochs.map((e, k) => {
    const src = sources[k]!;
    if (src !== null) return s.kwh[src]!;
    const w = dowIndex(s, e - s.e0);
    return cnt[w]! > 0 ? sum[w]! / cnt[w]! : 0;
  });
  const flat = new Array<number>(24).fill(1 / 24);
  const shapeOf = (k: number): number[] => {
    const src = sources[k]!;
    const d = src === null ? undefined : s.days[src];
    if (!d || d.hourly.length !== 24 || d.kwh <= 0) return flat;
    return d.hourly.map((x) => x / d.kwh);
  };
  const projected = projectDays(target.epochs, daily, shapeOf, input.bands, maxKw, reactiveRatio(s, start, end));
  const kwh = daily.reduce((a, x) => a + x, 0);
  const perDay = weeks.map((x, w) => (weekDays[w]! >= 5 ? x / weekDays[w]! : Number.NaN)).filter((x) => !Number.isNaN(x));
  const N = target.epochs.length;
  const bill = billOf(input, target, projected.days);
  const out: Forecast = {
    period: target.period,
    kwh: round3(kwh),
    kwhLow: round3(Math.min(kwh, ...perDay.map((x) => x * N))),
    kwhHigh: round3(Math.max(kwh, ...perDay.map((x) => x * N))),
    bands: Object.fromEntries(BANDS.map((b) => [b, round3(projected.bands[b])])) as Record<Band, number>,
    maxDemandKw: round3(maxKw),
    maxDemandLow: round3(maxKw),
    maxDemandHigh: round3(maxKw),
    ...(bill ? { bill } : {}),
    method: 'seasonal-naive',
    basis: { days: n, from: s.days.slice(Math.max(start, 0), end + 1).find((d) => d)!.day, to: s.days[end]!.day },
  };
  return out;
}
