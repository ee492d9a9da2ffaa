import { describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../../../domain/anomalies/detect.ts';
import type { Anomaly, AnomalyKind } from '../../../../domain/anomalies/anomaly.ts';
import { continuous, day, nightShift, series, weekdayOf, weekdayPlant } from './series.ts';

const contract = { contractKva: 2000, contractKw: 1800 };
const detect = (days: ReturnType<typeof series>, c = contract): Anomaly[] => detectAnomalies({ days, ...c });
const ofKind = (as: Anomaly[], kind: AnomalyKind) => as.filter((a) => a.kind === kind);

describe('series that must raise nothing', () => {
  it('a plant idle every weekend, over 12 weeks of noise', () => {
    for (const seed of [1, 2, 3]) expect(detect(series(weekdayPlant, { seed }))).toEqual([]);
  });

  it('a holiday week at 15% of the usual load, on a continuous plant and a weekday plant', () => {
    const holiday = (i: number, _wd: number, _s: number, kw: number) => (i >= 49 && i < 56 ? kw * 0.15 : kw);
    expect(detect(series(continuous, { edit: holiday }))).toEqual([]);
    expect(detect(series(weekdayPlant, { edit: holiday }))).toEqual([]);
  });

  it('a holiday week followed, after one normal day, by one low day', () => {
    const edit = (i: number, _wd: number, _s: number, kw: number) => (i >= 49 && i < 56 ? kw * 0.2 : i === 57 ? kw * 0.6 : kw);
    expect(detect(series(continuous, { edit }))).toEqual([]);
    // The same low day inside a longer dip does extend it.
    const longer = (i: number, _wd: number, _s: number, kw: number) => (i >= 49 && i < 56 ? kw * 0.2 : i === 57 || i === 58 ? kw * 0.6 : kw);
    expect(detect(series(continuous, { edit: longer })).map((a) => [a.kind, a.from, a.to])).toEqual([['level-drop', day(49), day(58)]]);
  });

  it('a stable night-shift customer', () => {
    for (const seed of [1, 2, 3]) expect(detect(series(nightShift, { seed }))).toEqual([]);
  });

  it('normal noise of 10% a day on a continuous plant', () => {
    for (const seed of [4, 5]) expect(detect(series(continuous, { seed, dayNoise: 0.1 }))).toEqual([]);
  });
});

describe('level shifts against the customer’s own rhythm', () => {
  it('raises level-drop from the first day of a 3-week drop to 50%, and nothing on the idle weekends', () => {
    const days = series(weekdayPlant, { edit: (i, _wd, _s, kw) => (i >= 45 && i < 66 ? kw * 0.5 : kw) });
    const found = detect(days);
    expect(found.map((a) => a.kind)).toEqual(['level-drop']);
    expect(found[0]).toMatchObject({ from: day(45), to: day(65), severity: 'medium', episodeKey: `level-drop:${day(45)}` });
    expect(found[0]!.figures.change as number).toBeCloseTo(-0.5, 1);
    expect(found[0]!.evidence).toMatch(/below the customer's own rhythm/);
  });

  it('raises level-rise for a plant running 60% more from a day to the end, as an ongoing episode', () => {
    const days = series(continuous, { edit: (i, _wd, _s, kw) => (i >= 60 ? kw * 1.6 : kw) });
    const found = detect(days, { contractKva: 3000, contractKw: 2700 });
    expect(found.map((a) => a.kind)).toEqual(['level-rise']);
    expect(found[0]).toMatchObject({ from: day(60), to: day(83), ongoing: true });
  });

  it('keeps a rise interrupted by a holiday week one episode', () => {
    const edit = (i: number, _wd: number, _s: number, kw: number) => (i >= 50 && i < 57 ? kw * 0.2 : i >= 30 ? kw * 1.6 : kw);
    const found = detect(series(continuous, { edit }), { contractKva: 3000, contractKw: 2700 });
    expect(found.map((a) => [a.kind, a.from, a.to])).toEqual([['level-rise', day(30), day(83)]]);
  });

  it('does not raise a shift of 20%', () => {
    expect(detect(series(continuous, { edit: (i, _wd, _s, kw) => (i >= 45 ? kw * 0.8 : kw) }))).toEqual([]);
  });
});

describe('new night and weekend load', () => {
  it('raises new-night-load when a day-shift plant starts running at night, and no level-rise with it', () => {
    const days = series(weekdayPlant, { edit: (i, wd, s, kw) => (i >= 60 && wd <= 5 && s < 24 ? kw + 300 : kw) });
    const found = detect(days);
    expect(found.map((a) => a.kind)).toEqual(['new-night-load']);
    expect(found[0]!.from).toBe(day(60));
    // Night kW per hour against the usual kW per hour outside the night (10 h at 500 kW, 8 h idle at 15 kW).
    expect(found[0]!.figures.nightToDayRatio as number).toBeCloseTo(315 / ((10 * 500 + 8 * 15) / 18), 1);
  });

  it('raises new-weekend-load from the first Saturday a weekday plant runs', () => {
    const days = series(weekdayPlant, { edit: (i, wd, s, kw) => (i >= 61 && wd >= 6 && s >= 32 && s < 72 ? kw * 30 : kw) });
    const firstWeekend = [61, 62, 63, 64, 65, 66, 67].find((i) => weekdayOf(i) === 6)!;
    const found = detect(days);
    expect(found.map((a) => a.kind)).toEqual(['new-weekend-load']);
    expect(found[0]!.from).toBe(day(firstWeekend));
  });
});

describe('demand-near-contract: maximum demand approaching the contract on a trend', () => {
  const ramp = (i: number, _wd: number, s: number, kw: number) => (i >= 40 && s >= 36 && s < 40 ? 500 + (i - 40) * 12 : kw);

  it('raises it once the trend line reaches 95% of the contract within 30 days', () => {
    // Peak climbs 12 kW a day from 500 kW: the 30-day projection passes 95% of a 1,100 kW contract well before the end.
    const found = ofKind(detect(series(weekdayPlant, { edit: ramp }), { contractKva: 1200, contractKw: 1100 }), 'demand-near-contract');
    expect(found).toHaveLength(1);
    expect(found[0]!.from > day(50)).toBe(true);
    expect(found[0]!.to).toBe(day(81)); // the last weekday of the series
    expect(found[0]!.figures.projectedKw as number).toBeGreaterThanOrEqual(0.95 * 1100);
  });

  it('does not raise it for the same climb against a contract it stays far from, nor for a flat customer at 85%', () => {
    expect(ofKind(detect(series(weekdayPlant, { edit: ramp }), { contractKva: 4000, contractKw: 3600 }), 'demand-near-contract')).toEqual([]);
    expect(detect(series(weekdayPlant), { contractKva: 650, contractKw: 590 })).toEqual([]);
  });

  it('does not take a step (a level rise) for a trend', () => {
    const days = series(continuous, { edit: (i, _wd, _s, kw) => (i >= 62 ? kw * 1.5 : kw) });
    const found = detect(days, { contractKva: 900, contractKw: 800 });
    expect(found.map((a) => a.kind)).toEqual(['level-rise']);
  });
});

describe('peer group', () => {
  it('quotes the peer group’s night share in new-night-load evidence when given', () => {
    const days = series(weekdayPlant, { edit: (i, wd, s, kw) => (i >= 60 && wd <= 5 && s < 24 ? kw + 300 : kw) });
    const peer = Array.from({ length: 24 }, (_, h) => (h >= 8 && h < 18 ? 0.09 : 0.01 / 1.4));
    const [a] = detectAnomalies({ days, ...contract, peerProfile: peer });
    expect(a!.evidence).toMatch(/peer group puts 4% of its usage in those hours/);
  });
});
