import type { MeterRuns } from '../anomalies/flat-line.ts';
/** One customer's usage on one local day, the unit everything downstream (classification, billing) reads. */

export type Band = 'sharp' | 'peak' | 'flat' | 'valley';
export const BANDS: readonly Band[] = ['sharp', 'peak', 'flat', 'valley'];

export interface IntervalCounts {
  actual: number;
  estimated: number;
  missing: number;
}

export interface DailyUsage {
  customerId: string;
  /** Local day in the utility's time zone, `yyyy-mm-dd`. */
  day: string;
  /** Total active energy, kWh. */
  kwh: number;
  /** kWh per local clock hour 0..23 (a repeated DST hour is summed into its clock hour). */
  hourly: number[];
  /** kWh per time-of-use band. */
  bands: Record<Band, number>;
  /** Largest interval demand of the day: kWh × 60 / interval minutes. */
  maxDemandKw: number;
  /** Reactive energy, kvarh; null when the meter reported none. */
  kvarh: number | null;
  intervals: IntervalCounts;
  intervalMinutes: number;
  /**
   * Each meter's runs of a repeated actual reading (domain/anomalies/flat-line.ts), for the flat-line check without
   * the meters' intervals. Absent on days stored before it existed.
   */
  runs?: Record<string, MeterRuns>;
}

/** Time-of-use schedule: band per [month 0..11][hour 0..23], for weekdays and weekends. */
export interface BandSchedule {
  weekday: Band[][];
  weekend: Band[][];
}
