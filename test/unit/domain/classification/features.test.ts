import { describe, expect, it } from 'vitest';
import { computeFeatures, yearEarlier } from '../../../../domain/classification/features.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { nextDay } from '../../../../domain/time/zone.ts';
import type { DailyUsage } from '../../../../domain/usage/daily-usage.ts';
import { AS_OF, SHAPES, dailyUsage, generate } from './synthetic.ts';

const cfg = DEFAULT_CONFIG.classification;

describe('computeFeatures', () => {
  it('measures a noiseless round-the-clock load over the trailing window only', () => {
    const days = generate({ shape: SHAPES.continuous, noise: 0, days: 200 });
    const { features: f, profile } = computeFeatures(days, AS_OF, cfg);
    expect(f.days).toBe(90);
    expect(f.previousDays).toBe(90);
    expect(f.windowKwh).toBeCloseTo(90 * 2400, 6);
    expect(f.avgDailyKwh).toBeCloseTo(2400, 9);
    expect(f.maxDemandKw).toBe(100);
    expect(f.loadFactor).toBeCloseTo(1, 12);
    // Default June schedule: 8 peak, 8 flat, 8 valley hours.
    expect(f.peakShare).toBeCloseTo(1 / 3, 12);
    expect(f.flatShare).toBeCloseTo(1 / 3, 12);
    expect(f.valleyShare).toBeCloseTo(1 / 3, 12);
    expect(f.nightShare).toBeCloseTo(0.25, 12);
    expect(f.weekendRatio).toBeCloseTo(1, 12);
    expect(f.dailyCv).toBeCloseTo(0, 12);
    expect(f.shapeDeviation).toBeCloseTo(0, 12);
    expect(f.change).toBeCloseTo(0, 12);
    expect(f.changeYoY).toBeNull();
    expect(f.powerFactor).toBeNull();
    expect(profile).toHaveLength(24);
    for (const p of profile) expect(p).toBeCloseTo(1 / 24, 12);
  });

  it('ignores days after asOf', () => {
    const days = generate({ shape: SHAPES.continuous, noise: 0, days: 100, end: '2025-07-10' });
    expect(computeFeatures(days, AS_OF, cfg).features.days).toBe(90);
    expect(computeFeatures(days, '2025-07-10', cfg).features.days).toBe(90);
    expect(computeFeatures(days, '2025-07-10', { ...cfg, windowDays: 30 }).features.windowKwh).toBeCloseTo(30 * 2400, 6);
  });

  it('computes the load factor over covered hours, so a 23-hour day is not diluted', () => {
    const full = dailyUsage('C1', '2025-03-29', Array<number>(24).fill(10));
    const short: DailyUsage = {
      ...dailyUsage('C1', '2025-03-30', [...Array<number>(23).fill(10), 0]),
      intervals: { actual: 23, estimated: 0, missing: 0 },
      maxDemandKw: 20,
    };
    const { features: f } = computeFeatures([full, short], '2025-03-30', { windowDays: 2, minPreviousCoverage: 0.8 });
    expect(f.windowKwh).toBe(470);
    // 470 kWh over 47 covered hours = 10 kW average against 20 kW max.
    expect(f.loadFactor).toBeCloseTo(0.5, 12);
  });

  it('counts sharp into the peak share and uses the band total as denominator', () => {
    const d: DailyUsage = { ...dailyUsage('C1', AS_OF, Array<number>(24).fill(100 / 24)), bands: { sharp: 10, peak: 20, flat: 30, valley: 40 } };
    const { features: f } = computeFeatures([d], AS_OF, cfg);
    expect(f.peakShare).toBeCloseTo(0.3, 12);
    expect(f.flatShare).toBeCloseTo(0.3, 12);
    expect(f.valleyShare).toBeCloseTo(0.4, 12);
  });

  it('measures day-to-day variation against the weekly rhythm (weekday-only plant)', () => {
    const days = generate({ shape: SHAPES['weekday-only'], seed: 3 });
    const { features: f } = computeFeatures(days, AS_OF, cfg);
    const window = days.slice(-90).map((d) => d.kwh);
    const mean = window.reduce((a, b) => a + b, 0) / window.length;
    const naiveCv = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / (window.length - 1)) / mean;
    expect(naiveCv).toBeGreaterThan(0.5);
    expect(f.dailyCv).toBeLessThan(0.05);
    expect(f.weekendRatio).toBeGreaterThan(0.02);
    expect(f.weekendRatio).toBeLessThan(0.06);
  });

  it('compares average daily kWh with the previous window when at least 80% of it is covered', () => {
    const grown = (skipped: number) =>
      generate({ shape: SHAPES.continuous, noise: 0, scale: (i) => (i >= 110 ? 1.2 : 1), skip: (i) => i >= 20 && i < 20 + skipped });
    const at72 = computeFeatures(grown(18), AS_OF, cfg).features;
    expect(at72.previousDays).toBe(72);
    expect(at72.change).toBeCloseTo(0.2, 12);
    const at71 = computeFeatures(grown(19), AS_OF, cfg).features;
    expect(at71.previousDays).toBe(71);
    expect(at71.change).toBeNull();
  });

  it('compares with the same window a year earlier when it is covered', () => {
    const days = generate({ shape: SHAPES.continuous, noise: 0, days: 460, scale: (_i, day) => (day >= '2025-01-01' ? 1.5 : 1) });
    expect(computeFeatures(days, AS_OF, cfg).features.changeYoY).toBeCloseTo(0.5, 12);
    expect(computeFeatures(days.slice(-300), AS_OF, cfg).features.changeYoY).toBeNull();
    expect(yearEarlier('2024-02-29')).toBe('2023-02-28');
    expect(yearEarlier('2025-06-30')).toBe('2024-06-30');
  });

  it('computes the power factor over the days that report kvarh', () => {
    const withQ = generate({ shape: SHAPES.continuous, noise: 0, days: 10, kvarhRatio: 0.75 });
    const withoutQ = generate({ shape: SHAPES.continuous, noise: 0, days: 10, end: nextDay(AS_OF, -10) });
    const f = computeFeatures([...withoutQ, ...withQ], AS_OF, cfg).features;
    // kWh / √(kWh² + (0.75 kWh)²) = 0.8; the days without kvarh do not dilute it.
    expect(f.powerFactor).toBeCloseTo(0.8, 12);
    expect(computeFeatures(withoutQ, nextDay(AS_OF, -10), cfg).features.powerFactor).toBeNull();
  });

  it('lets a later entry for the same day win and skips days without any data', () => {
    const a = dailyUsage('C1', AS_OF, Array<number>(24).fill(1));
    const b = dailyUsage('C1', AS_OF, Array<number>(24).fill(2));
    const empty: DailyUsage = { ...dailyUsage('C1', '2025-06-29', Array<number>(24).fill(0)), intervals: { actual: 0, estimated: 0, missing: 24 } };
    const f = computeFeatures([a, empty, b], AS_OF, cfg).features;
    expect(f.windowKwh).toBe(48);
    expect(f.days).toBe(1);
  });

  it('returns zeros and no change for a customer without data', () => {
    const { features: f, profile } = computeFeatures([], AS_OF, cfg);
    expect(f).toMatchObject({ windowKwh: 0, days: 0, loadFactor: 0, change: null, weekendRatio: null, powerFactor: null });
    expect(profile.every((p) => p === 0)).toBe(true);
  });

  it('rejects an invalid asOf', () => {
    expect(() => computeFeatures([], '2025-02-30', cfg)).toThrow(/invalid day/);
    expect(() => computeFeatures([], '30/06/2025', cfg)).toThrow(/invalid day/);
  });
});

