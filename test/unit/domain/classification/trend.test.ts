import { describe, expect, it } from 'vitest';
import { computeFeatures, type Features } from '../../../../domain/classification/features.ts';
import { mulberry32 } from '../../../../domain/classification/prng.ts';
import { classifyTrend } from '../../../../domain/classification/trend.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { AS_OF, SHAPES, generate, type GenOptions } from './synthetic.ts';

const cfg = DEFAULT_CONFIG.classification;

function trendOf(o: Partial<GenOptions>) {
  const { features } = computeFeatures(generate({ shape: SHAPES['day-shift'], ...o }), AS_OF, cfg);
  return { features, ...classifyTrend(features, cfg) };
}

/** The window is generated days 110..199 of 200, the previous window 20..109. */
const inWindow = (i: number) => i >= 110;

/** Balanced volatility: each pair of days gets 1 ± a, so both windows keep the same mean. */
function volatileScale(seed: number): (i: number) => number {
  const rng = mulberry32(seed);
  const m: number[] = [];
  for (let j = 0; j < 100; j++) {
    const a = 0.3 + 0.4 * rng();
    const up = rng() < 0.5;
    m.push(up ? 1 + a : 1 - a, up ? 1 - a : 1 + a);
  }
  return (i) => m[i]!;
}

describe('classifyTrend', () => {
  it('calls +20% growing and names the change', () => {
    const r = trendOf({ scale: (i) => (inWindow(i) ? 1.2 : 1) });
    expect(r.features.change).toBeCloseTo(0.2, 2);
    expect(r.trend).toBe('growing');
    expect(r.reasons[0]).toContain(`average daily kWh +${(r.features.change! * 100).toFixed(1)}% vs the previous 90 days`);
  });

  it('calls -25% declining', () => {
    const r = trendOf({ scale: (i) => (inWindow(i) ? 0.75 : 1) });
    expect(r.features.change).toBeCloseTo(-0.25, 2);
    expect(r.trend).toBe('declining');
    expect(r.reasons[0]).toContain(`average daily kWh ${(r.features.change! * 100).toFixed(1)}% vs the previous 90 days (beyond -10%)`);
  });

  it('calls a steady customer stable', () => {
    const r = trendOf({ seed: 9 });
    expect(Math.abs(r.features.change!)).toBeLessThan(0.02);
    expect(r.trend).toBe('stable');
    expect(r.reasons[0]).toContain(`day-to-day CV ${r.features.dailyCv.toFixed(2)}`);
  });

  it('calls large day-to-day swings at a constant level volatile', () => {
    const r = trendOf({ scale: volatileScale(5) });
    expect(Math.abs(r.features.change!)).toBeLessThan(0.05);
    expect(r.features.dailyCv).toBeGreaterThan(cfg.volatileCv);
    expect(r.trend).toBe('volatile');
    expect(r.reasons[0]).toContain(`day-to-day CV ${r.features.dailyCv.toFixed(2)} against the weekly rhythm`);
  });

  it('lets a clear change win over volatility and still names the volatility', () => {
    const swing = volatileScale(5);
    const r = trendOf({ scale: (i) => swing(i) * (inWindow(i) ? 1.3 : 1) });
    expect(r.features.dailyCv).toBeGreaterThan(cfg.volatileCv);
    expect(r.trend).toBe('growing');
    expect(r.reasons.join(' ')).toContain('also volatile');
  });

  it('is unknown when the previous window has too few days', () => {
    const r = trendOf({ days: 100 });
    expect(r.features.change).toBeNull();
    expect(r.trend).toBe('unknown');
    expect(r.reasons[0]).toBe('previous 90 days have 10 days of data (need 72, 80%)');
  });

  it('keeps a weekday-only plant idle every weekend stable', () => {
    const { features } = computeFeatures(generate({ shape: SHAPES['weekday-only'], seed: 4 }), AS_OF, cfg);
    expect(features.weekendRatio).toBeLessThan(0.1);
    expect(classifyTrend(features, cfg).trend).toBe('stable');
  });

  it('needs a change strictly beyond ±trendChange', () => {
    const base = trendOf({ noise: 0 }).features;
    const at = (change: number, dailyCv = 0): Features => ({ ...base, change, dailyCv });
    expect(classifyTrend(at(0.1), cfg).trend).toBe('stable');
    expect(classifyTrend(at(0.1001), cfg).trend).toBe('growing');
    expect(classifyTrend(at(-0.1), cfg).trend).toBe('stable');
    expect(classifyTrend(at(-0.1001), cfg).trend).toBe('declining');
    expect(classifyTrend(at(0, 0.25), cfg).trend).toBe('stable');
    expect(classifyTrend(at(0, 0.2501), cfg).trend).toBe('volatile');
  });

  it('adds the year-on-year change to the reasons when known', () => {
    const base = trendOf({ noise: 0 }).features;
    const r = classifyTrend({ ...base, change: 0.01, changeYoY: -0.123 }, cfg);
    expect(r.reasons).toContain('year on year -12.3%');
  });
});
