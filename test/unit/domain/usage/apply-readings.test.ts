import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../../domain/config.ts';
import { applyMeterDay, mergeCustomerDay, mergeMeterDays, type MergeRules, stampMeterDay, uploadStamp } from '../../../../domain/usage/apply-readings.ts';
import type { MeterDay, StoredDay } from '../../../../domain/usage/meter-day.ts';
import { Zone } from '../../../../domain/time/zone.ts';

/** An hourly meter-day from 24 values (null = no reading), every reading actual. */
function md(values: (number | null)[], quality?: string): MeterDay {
  const q = quality ?? values.map((v) => (v === null ? '-' : 'A')).join('');
  return {
    minutes: 60,
    kwh: values,
    kvarh: null,
    quality: q,
    actual: [...q].filter((c) => c === 'A').length,
    estimated: [...q].filter((c) => c === 'E' || c === 'I').length,
    missing: [...q].filter((c) => c === '-').length,
  };
}
const hours = (f: (h: number) => number | null) => Array.from({ length: 24 }, (_, h) => f(h));
const EARLY = uploadStamp({ key: 'readings/a.csv', etag: 'a' }, new Date('2026-11-01T10:00:00Z'));
const LATE = uploadStamp({ key: 'readings/b.csv', etag: 'b' }, new Date('2026-11-01T10:00:05Z'));

describe('uploadStamp', () => {
  it('orders by LastModified, then by event time within one second, and never ties two files', () => {
    const at = new Date('2026-11-01T10:00:00.900Z');
    expect(uploadStamp({ key: 'k', etag: 'x' }, new Date('2026-11-01T10:00:01Z')) > uploadStamp({ key: 'k', etag: 'y' }, at)).toBe(true);
    const first = uploadStamp({ key: 'a', etag: 'x', eventTime: '2026-11-01T10:00:00.100Z' }, at);
    const second = uploadStamp({ key: 'b', etag: 'y', eventTime: '2026-11-01T10:00:00.700Z' }, at);
    expect(first < second).toBe(true);
    expect(uploadStamp({ key: 'a', etag: 'x' }, at)).not.toBe(uploadStamp({ key: 'a', etag: 'y' }, at));
  });
});

describe('applyMeterDay', () => {
  const full = stampMeterDay(md(hours(() => 1)), EARLY);

  it('replaces the intervals a later file covers and keeps the others', () => {
    const r = applyMeterDay(full, md(hours((h) => (h >= 8 && h < 18 ? 2 : null))), LATE, 2)!;
    expect(r.kwh).toEqual(hours((h) => (h >= 8 && h < 18 ? 2 : 1)));
    expect(r).toMatchObject({ actual: 24, estimated: 0, missing: 0, stamps: [EARLY, LATE] });
    expect(r.src).toBe('0'.repeat(8) + '1'.repeat(10) + '0'.repeat(6));
  });

  it('keeps the intervals a later file wrote when an earlier file arrives after it', () => {
    const corrected = applyMeterDay(full, md(hours((h) => (h >= 8 && h < 18 ? 2 : null))), LATE, 2)!;
    const again = applyMeterDay(corrected, md(hours(() => 1)), EARLY, 2);
    expect(again).toBeUndefined();
    const original = applyMeterDay(stampMeterDay(md(hours((h) => (h >= 8 && h < 18 ? 2 : null))), LATE), md(hours(() => 1)), EARLY, 2)!;
    expect(original.kwh).toEqual(corrected.kwh);
  });

  it('interpolates gaps again over the merged readings: an estimate never hides a reading', () => {
    const gappy = stampMeterDay(md(hours((h) => (h === 5 ? null : 10))), EARLY);
    const filled = applyMeterDay(gappy, md(hours(() => null)), LATE, 2);
    expect(filled).toBeUndefined();
    const interpolated = { ...gappy, kwh: hours(() => 10), quality: 'AAAAAIAAAAAAAAAAAAAAAAAA', actual: 23, estimated: 1, missing: 0 };
    const r = applyMeterDay(interpolated, md(hours((h) => (h === 5 ? 40 : null))), LATE, 2)!;
    expect(r.kwh[5]).toBe(40);
    expect(r.quality[5]).toBe('A');
    expect(r).toMatchObject({ actual: 24, estimated: 0 });
  });

  it('replaces a meter-day restated at another interval length whole, unless the stored one is later', () => {
    const quarter: MeterDay = { ...md(hours(() => 1)), minutes: 15, kwh: Array(96).fill(0.25), quality: 'A'.repeat(96), actual: 96 };
    expect(applyMeterDay(full, quarter, LATE, 2)!.minutes).toBe(15);
    expect(applyMeterDay(stampMeterDay(quarter, LATE), md(hours(() => 1)), EARLY, 2)).toBeUndefined();
  });

  it('combines two parts of one file (mergeMeterDays)', () => {
    const m = mergeMeterDays(md(hours((h) => (h < 12 ? 1 : null))), md(hours((h) => (h >= 12 ? 2 : null))), 2);
    expect(m.kwh).toEqual(hours((h) => (h < 12 ? 1 : 2)));
    expect(m).toMatchObject({ actual: 24, missing: 0 });
  });
});

describe('mergeCustomerDay', () => {
  const rules: MergeRules = { zone: new Zone('Asia/Shanghai'), bands: DEFAULT_CONFIG.bands, maxInterpolatedGap: 2, keepMeter: (_c, m) => m !== 'OLD' };
  const stored = (meters: Record<string, MeterDay>): StoredDay => {
    const m = Object.fromEntries(Object.entries(meters).map(([k, v]) => [k, stampMeterDay(v, EARLY)]));
    return { ...mergeCustomerDay(undefined, 'C1', '2026-06-01', m, EARLY, rules)!.day };
  };

  it('keeps the meters a file does not cover and rolls the day up over all of them', () => {
    const day = stored({ A: md(hours(() => 1)), B: md(hours(() => 2)) });
    const r = mergeCustomerDay(day, 'C1', '2026-06-01', { B: md(hours(() => 3)) }, LATE, rules)!;
    expect(r.write).toEqual(['B']);
    expect(r.remove).toEqual([]);
    expect(Object.keys(r.day.meters)).toEqual(['A', 'B']);
    expect(r.day.kwh).toBe(24 * 4);
    expect(r.day.maxDemandKw).toBe(4);
  });

  it('drops a stored meter the master no longer gives the customer, and changes nothing when the file loses everywhere', () => {
    const day = stored({ OLD: md(hours(() => 5)), A: md(hours(() => 1)) });
    const r = mergeCustomerDay(day, 'C1', '2026-06-01', { A: md(hours(() => 2)) }, LATE, rules)!;
    expect(r.remove).toEqual(['OLD']);
    expect(r.day.kwh).toBe(48);
    expect(mergeCustomerDay(r.day, 'C1', '2026-06-01', { A: md(hours(() => 7)) }, EARLY, rules)).toBeUndefined();
  });
});
