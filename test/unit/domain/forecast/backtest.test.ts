import { describe, expect, it } from 'vitest';
import { DEFAULT_BANDS } from '../../../../domain/config.ts';
import { backtest, backtestCustomer, mape, type Forecaster } from '../../../../domain/forecast/backtest.ts';
import type { Forecast } from '../../../../domain/forecast/forecast.ts';
import { series } from './series.ts';

/** A forecaster that says `kwh` and `kw` for every month, and records the last day it was shown. */
function fixed(kwh: number, kw: number, seen: string[]): Forecaster {
  return (input) => {
    seen.push(`${input.period}<${input.days.reduce((m, d) => (d.day > m ? d.day : m), '')}`);
    const f: Forecast = { period: input.period!, kwh, kwhLow: kwh * 0.9, kwhHigh: kwh * 1.1, bands: { sharp: 0, peak: 0, flat: kwh, valley: 0 }, maxDemandKw: kw, maxDemandLow: kw, maxDemandHigh: kw, method: 'seasonal-naive', basis: { days: 1, from: '', to: '' } };
    return f;
  };
}

describe('mape', () => {
  it('is the mean of |forecast − actual| / actual, leaving out months without consumption', () => {
    expect(mape([{ forecast: 110, actual: 100 }, { forecast: 110, actual: 200 }, { forecast: 5, actual: 0 }])).toBeCloseTo((0.1 + 0.45) / 2, 12);
    expect(mape([{ forecast: 5, actual: 0 }])).toBeNull();
  });
});

describe('backtestCustomer', () => {
  it('replays complete months only, each from the days before it, and computes MAPE for model and baseline', () => {
    // September: 30 days × 10/3 = 100 kWh, max 10/3/24; October: 31 days, 200 kWh; November half there (not replayed).
    const days = [
      ...series('2026-08-15', 17, () => 1), // August is incomplete: not replayed either
      ...series('2026-09-01', 30, () => 100 / 30),
      ...series('2026-10-01', 31, () => 200 / 31),
      ...series('2026-11-01', 15, () => 1),
    ];
    const seenM: string[] = [];
    const seenB: string[] = [];
    const r = backtestCustomer('C1', days, { bands: DEFAULT_BANDS, model: fixed(110, 0.2, seenM), baseline: fixed(80, 0.3, seenB) });
    expect(r.months.map((m) => m.period)).toEqual(['2026-09', '2026-10']);
    expect(seenM).toEqual(['2026-09<2026-08-31', '2026-10<2026-09-30']);
    expect(seenB).toEqual(seenM);
    expect(r.months[0]!.actualKwh).toBeCloseTo(100, 9);
    expect(r.model.kwh).toBeCloseTo((10 / 100 + 90 / 200) / 2, 9); // 0.275
    expect(r.baseline.kwh).toBeCloseTo((20 / 100 + 120 / 200) / 2, 9); // 0.4
    const maxSep = 100 / 30 / 24;
    const maxOct = 200 / 31 / 24;
    expect(r.model.maxDemand).toBeCloseTo((Math.abs(0.2 - maxSep) / maxSep + Math.abs(0.2 - maxOct) / maxOct) / 2, 9);
    expect(r.months.map((m) => m.model.inInterval)).toEqual([true, false]); // 99..121 holds 100, not 200
  });

  it('pools customer-months overall and runs the real model and baseline by default', () => {
    const a = series('2026-03-01', 245, () => 1000); // to 2026-10-31
    const b = series('2026-03-01', 245, (i) => 1000 + 2 * i);
    const r = backtest([{ customerId: 'A', days: a }, { customerId: 'B', days: b }], { bands: DEFAULT_BANDS });
    const all = r.customers.flatMap((c) => c.months);
    expect(r.months).toBe(all.length);
    expect(all.length).toBeGreaterThan(4);
    expect(r.model.kwh).toBeCloseTo(mape(all.map((m) => ({ forecast: m.model.kwh, actual: m.actualKwh })))!, 12);
    expect(r.customers[0]!.model.kwh).toBeLessThan(0.001); // a flat customer is forecast exactly
    expect(r.customers[1]!.model.kwh!).toBeLessThan(r.customers[1]!.baseline.kwh!); // the trend is followed
  });
});
