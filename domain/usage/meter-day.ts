import type { Band, BandSchedule, DailyUsage } from './daily-usage.ts';
import { BANDS } from './daily-usage.ts';
import { Zone } from '../time/zone.ts';
import { runsOf } from '../anomalies/flat-line.ts';

/** One meter's intervals on one local day after VEE, as stored with the customer's day (slot = interval index). */
export interface MeterDay {
  minutes: number;
  /** kWh per interval from local midnight; null = missing. */
  kwh: (number | null)[];
  /** kvarh per interval, or null when the meter reported no reactive energy that day. */
  kvarh: (number | null)[] | null;
  /**
   * One character per slot: `A` actual and `E` estimated readings (as the file flags them), `I` interpolated here
   * (VEE), `-` missing. Only A and E slots are readings a file "covers"; I and - are gaps.
   */
  quality: string;
  actual: number;
  estimated: number;
  missing: number;
}

/** A stored meter-day: each reading remembers which file it came from, by that file's upload stamp. */
export interface StoredMeterDay extends MeterDay {
  /** Upload stamps (see `uploadStamp`) of the files whose readings the slots hold, in ascending order. */
  stamps: string[];
  /** One character per slot: the index into `stamps` as `'0' + i`, or `-` for a slot that holds no reading. */
  src: string;
}

/** A customer's day with its meters, as readers of one day see it. */
export interface DayWithMeters extends DailyUsage {
  meters: Record<string, MeterDay>;
}

/** A customer's day as stored: the roll-up of its meter-days, which carry their provenance. */
export interface StoredDay extends DailyUsage {
  meters: Record<string, StoredMeterDay>;
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/**
 * Rolls a customer's meter-days up into its daily usage: hourly kWh by local clock hour, band totals, coincident
 * max demand (meters summed interval by interval), kvarh and interval counts.
 */
export function rollUpDay<M extends MeterDay>(
  customerId: string,
  day: string,
  meters: Record<string, M>,
  zone: Zone,
  bands: BandSchedule,
): DailyUsage & { meters: Record<string, M> } {
  const ids = Object.keys(meters).sort();
  const midnight = zone.midnight(day);
  const hourly = new Array<number>(24).fill(0);
  const bandKwh: Record<Band, number> = { sharp: 0, peak: 0, flat: 0, valley: 0 };
  const month = Number(day.slice(5, 7)) - 1;
  const weekday = Zone.weekday(day);
  const grid = weekday >= 6 ? bands.weekend : bands.weekday;
  let kvarh: number | null = null;
  const counts = { actual: 0, estimated: 0, missing: 0 };
  const sameLength = ids.every((id) => meters[id]!.minutes === meters[ids[0]!]!.minutes);
  const demandMinutes = sameLength && ids.length ? meters[ids[0]!]!.minutes : 60;
  const demandSlots = new Map<number, number>();
  for (const id of ids) {
    const m = meters[id]!;
    counts.actual += m.actual;
    counts.estimated += m.estimated;
    counts.missing += m.missing;
    for (let s = 0; s < m.kwh.length; s++) {
      const v = m.kwh[s];
      if (v === null || v === undefined) continue;
      const startMs = midnight + s * m.minutes * 60_000;
      const hour = Math.floor(zone.localMinuteOfDay(startMs) / 60);
      hourly[hour]! += v;
      const slot = Math.floor(((startMs - midnight) / 60_000) / demandMinutes);
      demandSlots.set(slot, (demandSlots.get(slot) ?? 0) + v);
    }
    if (m.kvarh) {
      kvarh ??= 0;
      for (const v of m.kvarh) if (v !== null) kvarh += v;
    }
  }
  for (let h = 0; h < 24; h++) {
    hourly[h] = round6(hourly[h]!);
    bandKwh[grid[month]![h]!] += hourly[h]!;
  }
  for (const b of BANDS) bandKwh[b] = round6(bandKwh[b]);
  let maxSlot = 0;
  for (const v of demandSlots.values()) if (v > maxSlot) maxSlot = v;
  return {
    customerId,
    day,
    kwh: round6(hourly.reduce((a, b) => a + b, 0)),
    hourly,
    bands: bandKwh,
    maxDemandKw: round6((maxSlot * 60) / demandMinutes),
    kvarh: kvarh === null ? null : round6(kvarh),
    intervals: counts,
    intervalMinutes: demandMinutes,
    runs: runsOf(meters),
    meters,
  };
}
