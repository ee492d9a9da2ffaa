import { DateTime, IANAZone } from 'luxon';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Fast local-time arithmetic for one IANA zone. Offsets are looked up through luxon once per UTC hour and
 * cached, so the per-reading cost on the hot path is a Map lookup and integer maths.
 */
export class Zone {
  readonly name: string;
  private readonly zone: IANAZone;
  private readonly offsetByHour = new Map<number, number>();
  private readonly midnightByDay = new Map<string, number>();

  constructor(name: string) {
    const zone = IANAZone.create(name);
    if (!zone.isValid) throw new Error(`unknown time zone "${name}"`);
    this.name = name;
    this.zone = zone;
  }

  /** Offset from UTC in minutes at the instant `ms`. */
  offsetMinutes(ms: number): number {
    const h = Math.floor(ms / HOUR_MS);
    let off = this.offsetByHour.get(h);
    if (off === undefined) {
      // Offsets change on whole-quarter-hour boundaries at most; checking at the hour start and end catches them.
      off = this.zone.offset(h * HOUR_MS);
      const offEnd = this.zone.offset(h * HOUR_MS + HOUR_MS - 1);
      if (off !== offEnd) return this.zone.offset(ms);
      this.offsetByHour.set(h, off);
    }
    return off;
  }

  /** Local calendar day `yyyy-mm-dd` of the instant. */
  dayKey(ms: number): string {
    return dayKeyOfEpochDay(this.localEpochDay(ms));
  }

  /** Days since 1970-01-01 of the local date at the instant. */
  localEpochDay(ms: number): number {
    return Math.floor((ms + this.offsetMinutes(ms) * 60_000) / DAY_MS);
  }

  /** Local wall-clock minutes since local midnight at the instant (0..1439). */
  localMinuteOfDay(ms: number): number {
    const local = ms + this.offsetMinutes(ms) * 60_000;
    return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / 60_000);
  }

  /** UTC instant of local midnight starting the given local day (`yyyy-mm-dd`). */
  midnight(day: string): number {
    let ms = this.midnightByDay.get(day);
    if (ms === undefined) {
      const dt = DateTime.fromISO(day, { zone: this.zone });
      if (!dt.isValid) throw new Error(`invalid date "${day}"`);
      ms = dt.startOf('day').toMillis();
      this.midnightByDay.set(day, ms);
    }
    return ms;
  }

  /** Length of the local day in hours (23, 24 or 25 in daylight-saving zones). */
  hoursInDay(day: string): number {
    return Math.round((this.midnight(nextDay(day)) - this.midnight(day)) / HOUR_MS);
  }

  /** UTC instant of a local wall-clock time; for a time in a DST gap or overlap luxon's rule applies (earlier). */
  localToUtc(day: string, minuteOfDay: number): number {
    const base = this.midnight(day);
    const guess = base + minuteOfDay * 60_000;
    // Correct for an offset change between midnight and the wall-clock time.
    const delta = this.offsetMinutes(base) - this.offsetMinutes(guess);
    return guess + delta * 60_000;
  }

  /** Day of week of a local day: 1 = Monday .. 7 = Sunday. */
  static weekday(day: string): number {
    const d = epochDayOf(day);
    return ((((d + 3) % 7) + 7) % 7) + 1;
  }
}

const zones = new Map<string, Zone>();

/** The local calendar day (yyyy-mm-dd) of an instant in a zone: the one answer to "which day is it there?". */
export function localDayOf(instant: Date, timeZone: string): string {
  let zone = zones.get(timeZone);
  if (!zone) zones.set(timeZone, (zone = new Zone(timeZone)));
  return zone.dayKey(instant.getTime());
}

export function epochDayOf(day: string): number {
  return Math.floor(Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10)) / DAY_MS);
}

export function dayKeyOfEpochDay(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

export function nextDay(day: string, n = 1): string {
  return dayKeyOfEpochDay(epochDayOf(day) + n);
}

export function daysBetween(from: string, to: string): number {
  return epochDayOf(to) - epochDayOf(from);
}
