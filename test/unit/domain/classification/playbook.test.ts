import { describe, expect, it } from 'vitest';
import type { Features } from '../../../../domain/classification/features.ts';
import { playbook, valleyShiftSaving, type PlaybookInput } from '../../../../domain/classification/playbook.ts';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';

const cfg = DEFAULT_CONFIG.classification;

const features = (over: Partial<Features> = {}): Features => ({
  windowKwh: 900_000,
  avgDailyKwh: 10_000,
  maxDemandKw: 600,
  loadFactor: 0.69,
  peakShare: 0.3,
  flatShare: 0.4,
  valleyShare: 0.3,
  nightShare: 0.2,
  weekendRatio: 0.9,
  dailyCv: 0.05,
  shapeDeviation: 0.05,
  change: 0.01,
  changeYoY: null,
  powerFactor: 0.95,
  days: 90,
  previousDays: 90,
  ...over,
});

const input = (over: Partial<PlaybookInput> = {}): PlaybookInput => ({
  tier: 'B',
  pattern: 'day-shift',
  trend: 'stable',
  features: features(),
  ...over,
});

const codes = (i: PlaybookInput) => playbook(i, cfg).map((a) => a.code);

describe('playbook', () => {
  it('gives a peak-heavy customer valley-shifting advice with the saving in money', () => {
    // 900,000 kWh × 50% peak × 10% shiftable × 0.6 CNY/kWh = 27,000 CNY in 90 days = 9,000 CNY per 30-day month.
    const f = features({ peakShare: 0.5 });
    expect(valleyShiftSaving(f)).toBe(9000);
    const action = playbook(input({ features: f }), cfg).find((a) => a.code === 'valley-shifting')!;
    expect(action.savingPerMonth).toBe(9000);
    expect(action.text).toContain('about 9,000 CNY per month');
    expect(action.text).toContain('peak and sharp hours carry 50% of kWh');
    const dearer = playbook(input({ features: f }), cfg, { priceSpread: 0.8, shiftableShare: 0.2 });
    expect(dearer.find((a) => a.code === 'valley-shifting')!.savingPerMonth).toBe(24000);
  });

  it('scales the saving from the covered days', () => {
    expect(valleyShiftSaving(features({ windowKwh: 300_000, peakShare: 0.5, days: 30 }))).toBe(9000);
    expect(valleyShiftSaving(features({ days: 0 }))).toBe(0);
  });

  it('does not advise valley shifting below the peak-heavy share', () => {
    expect(codes(input({ features: features({ peakShare: 0.39 }) }))).not.toContain('valley-shifting');
  });

  it('gives tier A a dedicated manager, others not', () => {
    expect(codes(input({ tier: 'A' }))[0]).toBe('dedicated-manager');
    expect(codes(input({ tier: 'B' }))).not.toContain('dedicated-manager');
  });

  it('asks for a visit only beyond the visit decline', () => {
    expect(codes(input({ trend: 'declining', features: features({ change: -0.25 }) }))).toContain('visit');
    expect(codes(input({ trend: 'declining', features: features({ change: -0.15 }) }))).not.toContain('visit');
    const visit = playbook(input({ trend: 'declining', features: features({ change: -0.25 }) }), cfg).find((a) => a.code === 'visit')!;
    expect(visit.text).toContain('-25.0% vs the previous 90 days');
  });

  it('recommends reactive compensation below PF 0.90 only', () => {
    expect(codes(input({ features: features({ powerFactor: 0.85 }) }))).toContain('reactive-compensation');
    expect(codes(input({ features: features({ powerFactor: 0.92 }) }))).not.toContain('reactive-compensation');
    expect(codes(input({ features: features({ powerFactor: null }) }))).not.toContain('reactive-compensation');
  });

  it('checks production plans for volatile customers, even when the trend says declining', () => {
    expect(codes(input({ trend: 'volatile', features: features({ dailyCv: 0.4 }) }))).toContain('check-production-plans');
    expect(codes(input({ trend: 'declining', features: features({ dailyCv: 0.4, change: -0.3 }) }))).toContain('check-production-plans');
    expect(codes(input())).not.toContain('check-production-plans');
  });

  it('maps patterns to their checks', () => {
    expect(codes(input({ pattern: 'night-shift' }))).toContain('confirm-valley-tariff');
    expect(codes(input({ pattern: 'continuous' }))).toContain('reliability-check');
    expect(codes(input({ pattern: 'irregular' }))).toContain('meter-check');
    expect(codes(input({ pattern: 'day-shift' }))).toEqual([]);
  });

  it('flags max demand above 105% of the contract', () => {
    expect(codes(input({ contractKw: 500 }))).toContain('review-contract-demand');
    expect(codes(input({ contractKw: 580 }))).not.toContain('review-contract-demand');
  });

  it('keeps a fixed order', () => {
    const all = input({
      tier: 'A',
      pattern: 'night-shift',
      trend: 'declining',
      contractKw: 100,
      features: features({ change: -0.3, peakShare: 0.6, powerFactor: 0.8, dailyCv: 0.5 }),
    });
    expect(codes(all)).toEqual([
      'dedicated-manager',
      'visit',
      'review-contract-demand',
      'valley-shifting',
      'reactive-compensation',
      'check-production-plans',
      'confirm-valley-tariff',
    ]);
    expect(playbook(all, cfg)).toEqual(playbook(all, cfg));
  });
});
