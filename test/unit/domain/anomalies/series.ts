import { syntheticDay } from '../../../../bench/anomaly-series.ts';
import { mulberry32 } from '../../../../domain/classification/prng.ts';
import { Zone, dayKeyOfEpochDay, epochDayOf } from '../../../../domain/time/zone.ts';
import type { DayWithMeters } from '../../../../domain/usage/meter-day.ts';

/** Synthetic customers for the anomaly tests: 15-minute intervals on one meter, from 2026-03-02 (a Monday). */

export const START = '2026-03-02';
export const day = (i: number): string => dayKeyOfEpochDay(epochDayOf(START) + i);
export const weekdayOf = (i: number): number => Zone.weekday(day(i));

export interface SeriesOptions {
  days?: number;
  seed?: number;
  /** Day-to-day noise (coefficient of variation), and interval noise. */
  dayNoise?: number;
  slotNoise?: number;
  /** Changes the kW of a slot: (day index, weekday 1..7, slot 0..95, kW) → kW. */
  edit?: (i: number, weekday: number, slot: number, kw: number) => number;
  /** Per-day quality override (96 characters), e.g. estimated slots. */
  quality?: (i: number) => string | undefined;
  /** Per-day interval values override after rounding (kWh per slot). */
  values?: (i: number, kwh: number[]) => number[];
}

/** A customer whose kW at (weekday, hour) is `shape`, with noise, then edited. */
export function series(shape: (weekday: number, hour: number) => number, o: SeriesOptions = {}): DayWithMeters[] {
  const rnd = mulberry32(o.seed ?? 7);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const out: DayWithMeters[] = [];
  for (let i = 0; i < (o.days ?? 84); i++) {
    const wd = weekdayOf(i);
    const dn = 1 + (o.dayNoise ?? 0.05) * gauss();
    let kwh: number[] = [];
    for (let s = 0; s < 96; s++) {
      let kw = shape(wd, s / 4) * dn * (1 + (o.slotNoise ?? 0.04) * gauss());
      if (o.edit) kw = o.edit(i, wd, s, kw);
      kwh.push(Math.round((Math.max(0, kw) / 4) * 1000) / 1000);
    }
    if (o.values) kwh = o.values(i, kwh);
    out.push(syntheticDay('C1', day(i), { M1: { kwh, quality: o.quality?.(i) } }));
  }
  return out;
}

/** Day shift 08–18 Monday–Friday at 500 kW, idle (15 kW) nights and weekends. */
export const weekdayPlant = (wd: number, h: number): number => (wd <= 5 && h >= 8 && h < 18 ? 500 : 15);
/** Night shift 22–06 at 800 kW every day, 150 kW by day. */
export const nightShift = (_wd: number, h: number): number => (h >= 22 || h < 6 ? 800 : 150);
/** Continuous process at 400 kW, 480 kW by day. */
export const continuous = (_wd: number, h: number): number => (h >= 8 && h < 18 ? 480 : 400);
