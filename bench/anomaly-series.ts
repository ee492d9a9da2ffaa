import { DEFAULT_BANDS } from '../domain/config.ts';
import { Zone } from '../domain/time/zone.ts';
import { type DayWithMeters, type MeterDay, rollUpDay } from '../domain/usage/meter-day.ts';

/** Synthetic meter data for anomaly tests and the anomaly bench: a customer's day from its meters' interval values. */

const zone = new Zone('Asia/Shanghai');

export interface SyntheticMeter {
  /** kWh per interval from local midnight (null = missing). */
  kwh: (number | null)[];
  /** One quality character per slot (A, E, I, -); all A (or - for null) when absent. */
  quality?: string;
}

export function meterDay(m: SyntheticMeter, minutes: number): MeterDay {
  const quality = m.quality ?? m.kwh.map((v) => (v === null ? '-' : 'A')).join('');
  let actual = 0;
  let estimated = 0;
  let missing = 0;
  for (const q of quality) {
    if (q === 'A') actual++;
    else if (q === 'E' || q === 'I') estimated++;
    else missing++;
  }
  return { minutes, kwh: m.kwh, kvarh: null, quality, actual, estimated, missing };
}

/** A customer's day with its meters, rolled up as the ingest does (hourly, bands, coincident max demand). */
export function syntheticDay(customerId: string, day: string, meters: Record<string, SyntheticMeter>, minutes = 15): DayWithMeters {
  const md: Record<string, MeterDay> = {};
  for (const [id, m] of Object.entries(meters)) md[id] = meterDay(m, minutes);
  return rollUpDay(customerId, day, md, zone, DEFAULT_BANDS);
}

export type Rhythm = 'continuous' | 'day-shift' | 'six-day' | 'two-shift' | 'night-shift';
export const RHYTHMS: readonly Rhythm[] = ['continuous', 'day-shift', 'six-day', 'two-shift', 'night-shift'];

/** Load of a rhythm at a local hour on a weekday (1 Monday .. 7 Sunday), as a share of its peak. */
export function rhythmShare(r: Rhythm, weekday: number, hour: number): number {
  const inDay = hour >= 8 && hour < 18;
  switch (r) {
    case 'continuous':
      return 0.8 + (inDay ? 0.2 : 0);
    case 'day-shift':
      return weekday <= 5 && inDay ? 1 : 0.03;
    case 'six-day':
      return weekday <= 6 && inDay ? 1 : 0.03;
    case 'two-shift':
      return (hour >= 6 && hour < 22 ? 1 : 0.05) * (weekday <= 5 ? 1 : 0.5);
    case 'night-shift':
      return hour >= 22 || hour < 6 ? 1 : 0.2;
  }
}
