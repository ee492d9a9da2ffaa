import { describe, expect, it } from 'vitest';
import { CN_HOLIDAYS_2025_2026, DEFAULT_BANDS, DEFAULT_FORECAST, NO_HOLIDAYS, validateForecastConfig, type ForecastConfig } from '../../../../domain/config.ts';
import { baselineNextMonth } from '../../../../domain/forecast/baseline.ts';
import { forecastNextMonth, isForecast, type Forecast, type ForecastResult } from '../../../../domain/forecast/forecast.ts';
import { epochDayOf, nextDay, Zone } from '../../../../domain/time/zone.ts';
import { dayKinds } from '../../../../domain/forecast/forecast.ts';
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

describe('forecastNextMonth: breaks, ended ramps and noise', () => {
  it('after a step 6 weeks ago, forecasts the new level, not a blend with the old one', () => {
    const days = series('2026-06-01', 153, (_, d) => (d >= '2026-09-20' ? 700 : 1000)); // to 2026-10-31
    const f = must(forecastNextMonth({ days, bands: DEFAULT_BANDS }));
    expect(f.kwh / (30 * 700)).toBeGreaterThan(0.98);
    expect(f.kwh / (30 * 700)).toBeLessThan(1.02);
  });

  it('does not run on a ramp that ended 5 weeks ago', () => {
    // Flat at 1000, a 20-day ramp to 1400 ending 2026-09-26, flat at 1400 since, with 2% noise (no holidays: the
    // data has none). A 12-week slope would add several % to November.
    const level = (d: string) => 1000 + 400 * Math.min(1, Math.max(0, (epochDayOf(d) - epochDayOf('2026-09-06')) / 20));
    for (const seed of [3, 4, 5, 6]) {
      const g = gaussian(seed);
      const days = series('2026-06-01', 153, (_, d) => level(d) * (1 + 0.02 * g()));
      const f = must(forecastNextMonth({ days, bands: DEFAULT_BANDS, config: { ...DEFAULT_FORECAST, holidays: NO_HOLIDAYS } }));
      expect(Math.abs(f.kwh / (30 * 1400) - 1)).toBeLessThan(0.012);
    }
  });

  it('measures a noisy customer that does not move on the whole window: no worse than the last 4 weeks (200 seeds)', () => {
    let model = 0;
    let base = 0;
    let mean84 = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const g = gaussian(500 + seed);
      const all = series('2026-06-01', 183, () => Math.max(0, 1000 * (1 + 0.4 * g()))); // to 2026-11-30
      const history = all.filter((d) => d.day < '2026-11-01');
      const truth = all.filter((d) => d.day >= '2026-11-01').reduce((a, d) => a + d.kwh, 0);
      const config = { ...DEFAULT_FORECAST, holidays: NO_HOLIDAYS };
      model += Math.abs(must(forecastNextMonth({ days: history, bands: DEFAULT_BANDS, config })).kwh / truth - 1);
      base += Math.abs(must(baselineNextMonth({ days: history, bands: DEFAULT_BANDS, config })).kwh / truth - 1);
      mean84 += Math.abs((30 * history.slice(-84).reduce((a, d) => a + d.kwh, 0)) / 84 / truth - 1);
    }
    // The 84-day mean is the best one can do here; the last 4 weeks are far noisier. The model pays a little for the
    // noise slopes it cannot tell from real ones (|t| above √(ln n), shrunk), so it lands in between.
    expect(model).toBeLessThan(base);
    expect(model).toBeLessThan(1.2 * mean84);
  });

  it('shrinks a slope lost in the noise towards 0 but keeps a clear one', () => {
    const g = gaussian(11);
    const noisy = series('2026-06-01', 153, (i) => Math.max(0, 1000 + 0.5 * i + 300 * g())); // slope 0.5/day in σ 300
    const clear = series('2026-06-01', 153, (i) => 1000 + 5 * i);
    const flatOf = (days: typeof noisy) => days.slice(-84).reduce((a, d) => a + d.kwh, 0) / 84;
    const fn = must(forecastNextMonth({ days: noisy, bands: DEFAULT_BANDS }));
    // A noise slope would add (mean of the 84 days) + slope·(42 + 13.5 + ≈15) days; shrunk, the forecast stays near the mean.
    expect(Math.abs(fn.kwh / (30 * flatOf(noisy)) - 1)).toBeLessThan(0.05);
    const fc = must(forecastNextMonth({ days: clear, bands: DEFAULT_BANDS }));
    expect(fc.kwh).toBeGreaterThan(30 * (1000 + 5 * 152)); // above the last day's level: the trend is projected
  });
});

describe('forecastNextMonth: holidays', () => {
  // A weekday-only office: 1000 kWh on a working day, 20 on a weekend day or a holiday, working on make-up days.
  const kinds = dayKinds(CN_HOLIDAYS_2025_2026);
  const office = (d: string) => {
    const k = kinds(epochDayOf(d));
    return k === 1 ? 20 : k === 2 ? 1000 : Zone.weekday(d) >= 6 ? 20 : 1000;
  };
  const cn: ForecastConfig = { ...DEFAULT_FORECAST, holidays: CN_HOLIDAYS_2025_2026 };
  const none: ForecastConfig = { ...DEFAULT_FORECAST, holidays: NO_HOLIDAYS };

  it('the default calendar holds the 2026 golden week and its make-up workdays', () => {
    expect(DEFAULT_FORECAST.holidays).toBe(CN_HOLIDAYS_2025_2026);
    expect(kinds(epochDayOf('2026-10-01'))).toBe(1);
    expect(kinds(epochDayOf('2026-10-07'))).toBe(1);
    expect(kinds(epochDayOf('2026-10-10'))).toBe(2);
    expect(kinds(epochDayOf('2026-10-12'))).toBe(0);
  });

  it('a holiday week in the target month lowers the forecast, a make-up workday raises it: October 2026 as it comes', () => {
    const days = series('2026-06-01', 122, (_, d) => office(d)); // to 2026-09-30
    const truth = sumOver('2026-10-01', '2026-10-31', office); // 22 weekdays − 5 in the golden week + Oct 10 worked
    expect(truth).toBe(18 * 1000 + 13 * 20);
    const withCal = must(forecastNextMonth({ days, bands: DEFAULT_BANDS, config: cn }));
    const without = must(forecastNextMonth({ days, bands: DEFAULT_BANDS, config: none }));
    expect(Math.abs(withCal.kwh / truth - 1)).toBeLessThan(0.01);
    expect(without.kwh).toBeGreaterThan(truth * 1.15); // blind to the golden week
  });

  it('holidays in the fit window do not lower the weekday level: November after the golden week', () => {
    const days = series('2026-08-01', 92, (_, d) => office(d)); // to 2026-10-31, with Sep 25–27 and Oct 1–7 off
    const truth = sumOver('2026-11-01', '2026-11-30', office);
    expect(truth).toBe(21 * 1000 + 9 * 20);
    const withCal = must(forecastNextMonth({ days, bands: DEFAULT_BANDS, config: cn }));
    const without = must(forecastNextMonth({ days, bands: DEFAULT_BANDS, config: none }));
    expect(Math.abs(withCal.kwh / truth - 1)).toBeLessThan(0.005);
    expect(Math.abs(without.kwh / truth - 1)).toBeGreaterThan(2 * Math.abs(withCal.kwh / truth - 1));
  });

  it('projects a holiday with the hours of a Sunday', () => {
    // Weekdays peak in the day (08–20), Sundays at night: the golden week's band split follows the Sunday.
    const hourlyOf = (d: string): number[] => {
      const sunday = Zone.weekday(d) === 7 || kinds(epochDayOf(d)) === 1;
      return Array.from({ length: 24 }, (_, h) => (sunday ? (h < 8 ? 100 / 8 : 0) : h >= 8 && h < 20 ? 1000 / 12 : 0));
    };
    const days = series('2026-06-01', 122, () => 0).map((d) => {
      const hourly = hourlyOf(d.day);
      return { ...d, hourly, kwh: hourly.reduce((a, x) => a + x, 0), maxDemandKw: Math.max(...hourly) };
    });
    const f = must(forecastNextMonth({ days, bands: DEFAULT_BANDS, config: cn, period: '2026-10' }));
    const g = must(forecastNextMonth({ days, bands: DEFAULT_BANDS, config: none, period: '2026-10' }));
    expect(f.bands.valley).toBeGreaterThan(g.bands.valley); // 00–08 is valley: the holidays' night load lands there
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
    expect(() => validateForecastConfig({ ...DEFAULT_FORECAST, breakMinDays: 43 })).toThrow(/breakMinDays/);
    expect(() => validateForecastConfig({ ...DEFAULT_FORECAST, holidays: { off: [{ from: '2026-10-07', to: '2026-10-01' }], workdays: [] } })).toThrow(/holidays.off/);
    expect(() => validateForecastConfig({ ...DEFAULT_FORECAST, holidays: { off: [{ from: '2026-02-30', to: '2026-03-01' }], workdays: [] } })).toThrow(/holidays.off/);
    expect(() => validateForecastConfig({ ...DEFAULT_FORECAST, holidays: { off: [{ from: '2026-10-01', to: '2026-10-07' }], workdays: ['2026-10-03'] } })).toThrow(/also a day off/);
    expect(() => validateForecastConfig({ ...DEFAULT_FORECAST, holidays: { off: [], workdays: ['10/10/2026'] } })).toThrow(/workdays/);
    expect(validateForecastConfig({ ...DEFAULT_FORECAST, holidays: NO_HOLIDAYS }).holidays).toBe(NO_HOLIDAYS);
  });
});
