import { describe, expect, it } from 'vitest';
import { findFlatLines, meterRuns, runsOf, type FlatRun } from '../../../../domain/anomalies/flat-line.ts';
import { detectAnomalies } from '../../../../domain/anomalies/detect.ts';
import { mulberry32 } from '../../../../domain/classification/prng.ts';
import { DEFAULT_BANDS } from '../../../../domain/config.ts';
import { Zone } from '../../../../domain/time/zone.ts';
import { rollUpDay, type MeterDay } from '../../../../domain/usage/meter-day.ts';
import { dayKeyOfEpochDay, epochDayOf } from '../../../../domain/time/zone.ts';

/** The definition, interval by interval over the whole window: what the run summaries must reproduce. */
function reference(days: { day: string; epochDay: number; meters: Record<string, MeterDay> }[], min: number): FlatRun[] {
  const out: FlatRun[] = [];
  const ids = [...new Set(days.flatMap((d) => Object.keys(d.meters)))].sort();
  for (const id of ids) {
    let cur: { value: number; count: number; days: string[]; minutes: number; lastEpoch: number } | null = null;
    const close = (open: boolean) => {
      if (cur && cur.count >= min) out.push({ meterId: id, fromDay: cur.days[0]!, toDay: cur.days.at(-1)!, days: cur.days, intervals: cur.count, value: cur.value, minutes: cur.minutes, open });
      cur = null;
    };
    for (const d of days) {
      const m = d.meters[id];
      const hasReading = m?.kwh.some((v, s) => v !== null && (m.quality[s] === 'A' || m.quality[s] === 'E'));
      if (cur && (cur.lastEpoch !== d.epochDay - 1 || !m || !hasReading)) close(false);
      if (!m) continue;
      for (let s = 0; s < m.kwh.length; s++) {
        const v = m.kwh[s];
        const q = m.quality[s];
        if (v === null || v === undefined || (q !== 'A' && q !== 'E')) continue;
        if (v <= 0 || q === 'E') {
          close(false);
          continue;
        }
        if (cur && cur.value === v && cur.minutes === m.minutes) {
          cur.count++;
          if (cur.days.at(-1) !== d.day) cur.days.push(d.day);
          cur.lastEpoch = d.epochDay;
        } else {
          close(false);
          cur = { value: v, count: 1, days: [d.day], minutes: m.minutes, lastEpoch: d.epochDay };
        }
      }
    }
    close(true);
  }
  return out.sort((a, b) => (a.fromDay < b.fromDay ? -1 : a.fromDay > b.fromDay ? 1 : a.meterId < b.meterId ? -1 : 1));
}

/** Meter-days with long repeated stretches, zeros, estimated and missing slots, and days without the meter. */
function randomDays(seed: number) {
  const rnd = mulberry32(seed);
  const e0 = epochDayOf('2026-05-01');
  const out: { day: string; epochDay: number; meters: Record<string, MeterDay> }[] = [];
  let value = 1.5;
  for (let i = 0; i < 12; i++) {
    const epochDay = e0 + i; // consecutive days; now and then a meter is missing (below)
    const meters: Record<string, MeterDay> = {};
    for (const id of ['M1', 'M2']) {
      if (rnd() < 0.1) continue;
      const kwh: (number | null)[] = [];
      let quality = '';
      for (let s = 0; s < 24; s++) {
        const r = rnd();
        if (r < 0.25) value = [0.5, 1.5, 2.5][Math.floor(rnd() * 3)]!; // change value now and then: runs of all lengths
        const q = r > 0.97 ? '-' : r > 0.94 ? 'E' : r > 0.92 ? 'I' : 'A';
        kwh.push(q === '-' ? null : r < 0.03 ? 0 : value);
        quality += q;
      }
      meters[id] = { minutes: 60, kwh, kvarh: null, quality, actual: 0, estimated: 0, missing: 0 };
    }
    out.push({ day: dayKeyOfEpochDay(epochDay), epochDay, meters });
  }
  return out;
}

describe('flat lines from run summaries (stored with each day roll-up)', () => {
  it('find exactly what an interval-by-interval scan finds, across midnight, gaps, zeros and estimates (300 random windows)', () => {
    let found = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const days = randomDays(seed);
      for (const min of [4, 6, 16]) {
        const fromRuns = findFlatLines(days.map((d) => ({ day: d.day, epochDay: d.epochDay, runs: runsOf(d.meters) })), min);
        expect(fromRuns, `seed ${seed}, min ${min}`).toEqual(reference(days, min));
        found += fromRuns.length;
      }
    }
    expect(found).toBeGreaterThan(100); // the windows do contain flat lines, some across midnight
  });

  it('summarise a meter-day in a few numbers: head, tail, whole, and inner runs of 4 or more', () => {
    const md = (values: (number | null)[], quality: string): MeterDay => ({ minutes: 60, kwh: values, kvarh: null, quality, actual: 0, estimated: 0, missing: 0 });
    expect(meterRuns(md([2, 2, 2, 3, 3, 3, 3, 1, 4, 4], 'AAAAAAAAAA'))).toEqual({ m: 60, head: [2, 3], tail: [4, 2], whole: false, inner: [[3, 4]] });
    // A missing slot is passed over; an estimated reading or a zero ends the run.
    expect(meterRuns(md([5, null, 5, 5], 'A-AA'))).toEqual({ m: 60, head: [5, 3], tail: [5, 3], whole: true, inner: [] });
    expect(meterRuns(md([5, 5, 5, 5], 'AAEA'))).toEqual({ m: 60, head: [5, 2], tail: [5, 1], whole: false, inner: [] });
    expect(meterRuns(md([0, 5, 5, 0], 'AAAA'))).toEqual({ m: 60, head: null, tail: null, whole: false, inner: [] });
    expect(meterRuns(md([null, null], '--'))).toBeNull();
  });

  it('are stored by the roll-up, and a stuck register on stored days is found without the meters', () => {
    const zone = new Zone('Asia/Shanghai');
    const day = (d: string, stuck: boolean) => {
      const kwh = Array.from({ length: 96 }, (_, s) => (stuck && s >= 40 ? 7.25 : 5 + (s % 7) / 10));
      return rollUpDay('C1', d, { M1: { minutes: 15, kwh, kvarh: null, quality: 'A'.repeat(96), actual: 96, estimated: 0, missing: 0 } }, zone, DEFAULT_BANDS);
    };
    const days = ['2026-05-01', '2026-05-02', '2026-05-03'].map((d, i) => day(d, i === 1));
    expect(days[1]!.runs?.M1).toEqual({ m: 15, head: [5, 1], tail: [7.25, 56], whole: false, inner: [] });
    const stored = days.map(({ meters: _m, ...d }) => d); // what range() returns: roll-ups only
    const flat = detectAnomalies({ days: stored, contractKva: null, contractKw: null }).filter((a) => a.kind === 'flat-line');
    expect(flat).toMatchObject([{ from: '2026-05-02', to: '2026-05-02', figures: { meterId: 'M1', intervals: 56, value: 7.25 } }]);
  });

  it('leave out evenly spread estimated hours (daily register exports): no flat line', () => {
    const zone = new Zone('Asia/Shanghai');
    const d = rollUpDay('C1', '2026-05-01', { M1: { minutes: 60, kwh: new Array(24).fill(41.5), kvarh: null, quality: 'E'.repeat(24), actual: 0, estimated: 24, missing: 0 } }, zone, DEFAULT_BANDS);
    expect(d.runs?.M1).toEqual({ m: 60, head: null, tail: null, whole: false, inner: [] });
  });
});
