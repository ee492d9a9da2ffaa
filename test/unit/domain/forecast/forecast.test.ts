import { describe, expect, it } from 'vitest';
import { DEFAULT_BANDS, DEFAULT_FORECAST, validateForecastConfig } from '../../../../domain/config.ts';
import { baselineNextMonth } from '../../../../domain/forecast/baseline.ts';
import { forecastNextMonth, isForecast, type Forecast, type ForecastResult } from '../../../../domain/forecast/forecast.ts';
import { nextDay, Zone } from '../../../../domain/time/zone.ts';
import { BANDS } from '../../../../domain/usage/daily-usage.ts';
import { CUSTOMER, LARGE_INDUSTRY } from '../billing/fixtures.ts';
import { gaussian, series } from './series.ts';

const must = (r: ForecastResult): Forecast => {
  if (!isForecast(r)) throw new Error(`no forecast: ${r.reason}`);
  return r;
};
const sumOver = (from: string, to: string, f: (day: string) => number): number => {
  let s = 0;
  for (let d = from; d <= to; d = nextDay(d)) s += f(d);
  return s;
};

describe('forecastNextMonth', () => {
  it('forecasts a flat customer at its level, the interval around it, for the month after the last complete month', () => {
    const days = series('2026-06-01', 153, () => 1000); // 2026-06-01..2026-10-31
    const f = must(forecastNextMonth({ days, bands: DEFAULT_BANDS }));
    expect(f.period).toBe('2026-11');
    expect(f.kwh).toBeCloseTo(30_000, 0);
    expect(f.kwhLow).toBeLessThanOrEqual(f.kwh);
    expect(f.kwhHigh).toBeGreaterThanOrEqual(f.kwh);
    expect(f.maxDemandKw).toBeCloseTo(1000 / 24, 3);
    expect(f.basis).toEqual({ days: 84, from: '2026-08-09', to: '2026-10-31' });
    expect(f.method).toBe('weekly-profile-damped-trend');
  });

  it('reads no day of the target month or after asOf', () => {
    const days = series('2026-06-01', 160, (_, d) => (d >= '2026-10-21' ? 5000 : 1000)); // to 2026-11-07
    const f = must(forecastNextMonth({ days, bands: DEFAULT_BANDS, asOf: '2026-10-20' }));
    expect(f.period).toBe('2026-11');
    expect(f.basis.to).toBe('2026-10-20');
    expect(f.kwh).toBeCloseTo(30_000, 0);
  });

  it('follows a linear trend, closer to the truth than the seasonal-naive baseline', () => {
    const level = (i: number) => 1000 + 5 * i;
    const days = series('2026-04-01', 214, (i) => level(i)); // 2026-04-01..2026-10-31
    const truth = sumOver('2026-11-01', '2026-11-30', (d) => level(214 + +d.slice(8) - 1));
    const f = must(forecastNextMonth({ days, bands: DEFAULT_BANDS }));
    const b = must(baselineNextMonth({ days, bands: DEFAULT_BANDS }));
    const err = Math.abs(f.kwh - truth) / truth;
    expect(err).toBeLessThan(0.03);
    expect(err).toBeLessThan(Math.abs(b.kwh - truth) / truth / 2);
    expect(f.kwh).toBeGreaterThan(b.kwh); // a rising customer is forecast to keep rising
  });

  it('gives a weekday-only plant its weekends: the month total from its weekdays and its idle weekends', () => {
    const kwhOf = (d: string) => (Zone.weekday(d) >= 6 ? 20 : 1000);
    const days = series('2026-06-01', 153, (_, d) => kwhOf(d));
    const f = must(forecastNextMonth({ days, bands: DEFAULT_BANDS }));
    const truth = sumOver('2026-11-01', '2026-11-30', kwhOf); // November 2026: 21 weekdays, 9 weekend days
    expect(truth).toBe(21 * 1000 + 9 * 20);
    expect(f.kwh).toBeCloseTo(truth, 0);
    expect(f.maxDemandKw).toBeCloseTo(1000 / 24, 1);
  });

  it('an 80% interval contains the truth about 80% of the time on noisy series (200 seeds)', () => {
    let inside = 0;
    const seeds = 200;
    for (let seed = 1; seed <= seeds; seed++) {
      const g = gaussian(seed);
      const all = series('2026-05-01', 214, () => Math.max(0, 1000 * (1 + 0.15 * g()))); // to 2026-11-30
      const history = all.filter((d) => d.day < '2026-11-01');
      const truth = all.filter((d) => d.day >= '2026-11-01').reduce((a, d) => a + d.kwh, 0);
      const f = must(forecastNextMonth({ days: history, bands: DEFAULT_BANDS }));
      if (truth >= f.kwhLow && truth <= f.kwhHigh) inside++;
    }
    const coverage = inside / seeds;
    expect(coverage).toBeGreaterThan(0.7);
    expect(coverage).toBeLessThan(0.92);
  });

  it('keeps about 80% on autocorrelated noise (AR(1), ρ = 0.6) with 3 months of history (few held-out blocks)', () => {
    // Independent-noise arithmetic alone covers about 67% here; the (1 + ρ) / (1 − ρ) inflation brings it near 80%.
    let inside = 0;
    const seeds = 200;
    for (let seed = 1; seed <= seeds; seed++) {
      const g = gaussian(1000 + seed);
      let ar = 0;
      const all = series('2026-08-01', 122, () => {
        ar = 0.6 * ar + 0.08 * g();
        return Math.max(0, 1000 * (1 + ar));
      });
      const truth = all.filter((d) => d.day >= '2026-11-01').reduce((a, d) => a + d.kwh, 0);
      const f = must(forecastNextMonth({ days: all.filter((d) => d.day < '2026-11-01'), bands: DEFAULT_BANDS }));
      if (truth >= f.kwhLow && truth <= f.kwhHigh) inside++;
    }
    expect(inside / seeds).toBeGreaterThan(0.72);
    expect(inside / seeds).toBeLessThan(0.93);
  });

  it('declines with the reason when there is too little history', () => {
    const days = series('2026-10-02', 30, () => 1000);
    const r = forecastNextMonth({ days, bands: DEFAULT_BANDS });
    expect(r).toEqual({ period: '2026-11', reason: 'too-little-history', days: 30, needed: DEFAULT_FORECAST.minDays });
    expect(baselineNextMonth({ days: series('2026-10-12', 20, () => 1) , bands: DEFAULT_BANDS })).toMatchObject({ reason: 'too-little-history', days: 20 });
  });

  it('bands add up to kWh and follow the schedule (valley 23–07 is 8 of 24 even hours)', () => {
    const g = gaussian(7);
    const days = series('2026-05-01', 184, () => 1000 * (1 + 0.1 * g()));
    for (const r of [forecastNextMonth({ days, bands: DEFAULT_BANDS }), baselineNextMonth({ days, bands: DEFAULT_BANDS })]) {
      const f = must(r);
      const total = BANDS.reduce((a, b) => a + f.bands[b], 0);
      expect(total).toBeCloseTo(f.kwh, 1);
      expect(f.bands.valley / f.kwh).toBeCloseTo(8 / 24, 2);
      expect(f.bands.sharp).toBe(0); // November has no sharp hours
    }
  });

  it('projects the bill when a tariff and the customer are given, and not otherwise', () => {
    const days = series('2026-06-01', 153, () => 4800);
    const f = must(forecastNextMonth({ days, bands: DEFAULT_BANDS, tariff: LARGE_INDUSTRY, customer: CUSTOMER }));
    expect(f.bill?.currency).toBe('CNY');
    expect(Number(f.bill?.total)).toBeGreaterThan(0);
    const bigger = must(forecastNextMonth({ days: series('2026-06-01', 153, () => 9600), bands: DEFAULT_BANDS, tariff: LARGE_INDUSTRY, customer: CUSTOMER }));
    expect(Number(bigger.bill?.total)).toBeGreaterThan(Number(f.bill?.total));
    expect(must(forecastNextMonth({ days, bands: DEFAULT_BANDS })).bill).toBeUndefined();
  });

  it('uses the year-ago season when two years are there, and follows it', () => {
    // Summer peak: level 1000 × (1 + 0.3 cos(2π (doy − 200) / 365)); forecasting a falling November.
    const level = (d: string) => {
      const doy = (Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8)) - Date.UTC(+d.slice(0, 4), 0, 1)) / 86_400_000;
      return 1000 * (1 + 0.3 * Math.cos((2 * Math.PI * (doy - 200)) / 365));
    };
    const days = series('2025-01-01', 669, (_, d) => level(d)); // to 2026-10-31
    const f = must(forecastNextMonth({ days, bands: DEFAULT_BANDS }));
    const truth = sumOver('2026-11-01', '2026-11-30', level);
    expect(f.method).toBe('weekly-profile-year-ago');
    expect(Math.abs(f.kwh - truth) / truth).toBeLessThan(0.02);
  });
});

describe('baselineNextMonth', () => {
  it('repeats the last 4 weeks over the month, weekday on weekday', () => {
    const kwhOf = (d: string) => 100 * Zone.weekday(d); // Monday 100 .. Sunday 700
    const days = series('2026-09-01', 61, (_, d) => kwhOf(d));
    const b = must(baselineNextMonth({ days, bands: DEFAULT_BANDS }));
    expect(b.kwh).toBe(sumOver('2026-11-01', '2026-11-30', kwhOf));
    expect(b.maxDemandKw).toBeCloseTo(700 / 24, 3);
    expect(b.method).toBe('seasonal-naive');
  });
});

describe('validateForecastConfig', () => {
  it('accepts the defaults and refuses settings that cannot work', () => {
    expect(validateForecastConfig(DEFAULT_FORECAST)).toBe(DEFAULT_FORECAST);
    expect(() => validateForecastConfig({ ...DEFAULT_FORECAST, minDays: 100 })).toThrow(/minDays/);
    expect(() => validateForecastConfig({ ...DEFAULT_FORECAST, coverage: 1 })).toThrow(/coverage/);
    expect(() => validateForecastConfig({ ...DEFAULT_FORECAST, damping: 0 })).toThrow(/damping/);
  });
});
