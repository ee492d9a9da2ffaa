import { describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../../../domain/anomalies/detect.ts';
import type { AnomalyKind } from '../../../../domain/anomalies/anomaly.ts';
import { continuous, day, series, weekdayOf, weekdayPlant } from './series.ts';

const contract = { contractKva: 1000, contractKw: 900 };
const ofKind = (days: ReturnType<typeof series>, kind: AnomalyKind, c: { contractKva: number | null; contractKw: number | null } = contract) =>
  detectAnomalies({ days, ...c }).filter((a) => a.kind === kind);

describe('flat-line: a meter repeating the same reading', () => {
  it('is raised for 24 identical intervals across midnight, on the days it covers, naming the meter', () => {
    // Day 40 from 18:00 (slot 72) to day 41 at 00:00 + 12 slots: 36 intervals of 0.123 kWh.
    const days = series(continuous, { values: (i, kwh) => kwh.map((v, s) => ((i === 40 && s >= 72) || (i === 41 && s < 12) ? 0.123 : v)) });
    const found = ofKind(days, 'flat-line');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ from: day(40), to: day(41), episodeKey: `flat-line:${day(40)}:M1`, figures: { intervals: 36, value: 0.123 } });
    expect(found[0]!.evidence).toContain('36 consecutive intervals');
  });

  it('is not raised for a run shorter than the threshold, nor for an idle plant reading zero all weekend', () => {
    const short = series(continuous, { values: (i, kwh) => kwh.map((v, s) => (i === 40 && s >= 10 && s < 25 ? 0.5 : v)) });
    expect(ofKind(short, 'flat-line')).toEqual([]);
    const zeroWeekends = series(weekdayPlant, { edit: (_i, wd, _s, kw) => (wd >= 6 ? 0 : kw) });
    expect(ofKind(zeroWeekends, 'flat-line')).toEqual([]);
  });
});

describe('zero-reads on a normally busy day', () => {
  it('is raised for two zero weekdays as one episode', () => {
    const days = series(weekdayPlant, { edit: (i, _wd, _s, kw) => (i === 44 || i === 45 ? 0 : kw) });
    expect(weekdayOf(44)).toBeLessThanOrEqual(5);
    const found = ofKind(days, 'zero-reads');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ from: day(44), to: day(45), severity: 'high', figures: { days: 2 } });
  });

  it('is not raised when an idle plant reads zero at weekends', () => {
    const days = series(weekdayPlant, { edit: (_i, wd, _s, kw) => (wd >= 6 ? 0 : kw) });
    expect(ofKind(days, 'zero-reads')).toEqual([]);
    expect(detectAnomalies({ days, ...contract })).toEqual([]);
  });
});

describe('spike: interval demand beyond 1.5 × contract kVA', () => {
  it('is raised on the day of an interval at 2,000 kW against a 1,000 kVA contract', () => {
    const days = series(continuous, { values: (i, kwh) => kwh.map((v, s) => (i === 50 && s === 40 ? 500 : v)) });
    const found = ofKind(days, 'spike');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ from: day(50), to: day(50), severity: 'medium', figures: { maxDemandKw: 2000, contractKva: 1000 } });
  });

  it('is not raised at 1.4 × contract, nor without a contract', () => {
    const days = series(continuous, { values: (i, kwh) => kwh.map((v, s) => (i === 50 && s === 40 ? 350 : v)) });
    expect(ofKind(days, 'spike')).toEqual([]);
    const big = series(continuous, { values: (i, kwh) => kwh.map((v, s) => (i === 50 && s === 40 ? 500 : v)) });
    expect(ofKind(big, 'spike', { contractKva: null, contractKw: null })).toEqual([]);
  });
});

describe('estimated share above the threshold', () => {
  const estimated = (n: number) => 'E'.repeat(n) + 'A'.repeat(96 - n);
  it('is raised on the day with 40% estimated intervals and not on one with 20%', () => {
    const days = series(continuous, { quality: (i) => (i === 30 ? estimated(38) : i === 60 ? estimated(19) : undefined) });
    const found = ofKind(days, 'estimated-share');
    expect(found.map((a) => [a.from, a.to])).toEqual([[day(30), day(30)]]);
    expect(found[0]!.figures.maxEstimatedShare).toBeCloseTo(38 / 96, 3);
  });
});
