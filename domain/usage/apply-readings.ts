import { createHash } from 'node:crypto';
import type { BandSchedule } from './daily-usage.ts';
import { type MeterDay, rollUpDay, type StoredDay, type StoredMeterDay } from './meter-day.ts';
import type { Zone } from '../time/zone.ts';

/**
 * Where a file stands in the upload order (DOMAIN: "'Later' is the upload order of the files"), as a string that sorts
 * in that order: the object's LastModified (S3's upload time, whole seconds, the same for every delivery of its
 * event), then the event's `eventTime` (milliseconds) for uploads within one second, then the `sequencer` (which orders
 * events of one key), then a hash of key and ETag so that two different files never tie.
 */
export function uploadStamp(file: { key: string; etag: string; eventTime?: string; sequencer?: string }, lastModified: Date | undefined): string {
  const lm = lastModified ? new Date(Math.floor(lastModified.getTime() / 1000) * 1000).toISOString() : '';
  const id = createHash('sha256').update(`${file.key}\n${file.etag}`).digest('hex').slice(0, 12);
  return `${lm}|${file.eventTime ?? ''}|${(file.sequencer ?? '').padStart(32, '0')}|${id}`;
}

const NO_SOURCE = '-';
const isReading = (q: string | undefined): boolean => q === 'A' || q === 'E';

/** A file's meter-day as stored: every reading it holds comes from `stamp`. */
export function stampMeterDay(md: MeterDay, stamp: string): StoredMeterDay {
  let src = '';
  for (let i = 0; i < md.quality.length; i++) src += isReading(md.quality[i]) ? '0' : NO_SOURCE;
  return { ...md, stamps: [stamp], src };
}

/**
 * Applies a file's meter-day to the stored one, interval by interval (DOMAIN: corrections): a slot the file has a
 * reading for takes it unless the stored reading came from a later file; every other slot keeps what is stored. Gaps
 * are then interpolated again over the result, so an estimate never hides a reading. A meter-day restated at another
 * interval length is replaced whole by the later file. Returns undefined when nothing changes.
 */
export function applyMeterDay(stored: StoredMeterDay | undefined, incoming: MeterDay, stamp: string, maxGap: number): StoredMeterDay | undefined {
  if (!stored) return stampMeterDay(incoming, stamp);
  const n = incoming.kwh.length;
  if (stored.minutes !== incoming.minutes || stored.kwh.length !== n) {
    return stored.stamps.some((s) => s > stamp) ? undefined : stampMeterDay(incoming, stamp);
  }
  const kwh = new Array<number | null>(n).fill(null);
  const kvarh = new Array<number | null>(n).fill(null);
  const quality = new Array<string>(n).fill(NO_SOURCE);
  const from = new Array<string | null>(n).fill(null);
  let changed = false;
  for (let i = 0; i < n; i++) {
    const own = isReading(stored.quality[i]) ? stored.stamps[stored.src.charCodeAt(i) - 48]! : null;
    if (isReading(incoming.quality[i]) && (own === null || stamp >= own)) {
      kwh[i] = incoming.kwh[i]!;
      kvarh[i] = incoming.kvarh?.[i] ?? null;
      quality[i] = incoming.quality[i]!;
      from[i] = stamp;
      if (own !== stamp || stored.kwh[i] !== kwh[i] || (stored.kvarh?.[i] ?? null) !== kvarh[i] || stored.quality[i] !== quality[i]) changed = true;
    } else if (own !== null) {
      kwh[i] = stored.kwh[i]!;
      kvarh[i] = stored.kvarh?.[i] ?? null;
      quality[i] = stored.quality[i]!;
      from[i] = own;
    }
  }
  if (!changed) return undefined;
  fillGaps(kwh, kvarh, quality, maxGap);
  const stamps = [...new Set(from.filter((s): s is string => s !== null))].sort();
  const index = new Map(stamps.map((s, i) => [s, String.fromCharCode(48 + i)]));
  let src = '';
  let actual = 0, estimated = 0, missing = 0;
  for (let i = 0; i < n; i++) {
    src += from[i] === null ? NO_SOURCE : index.get(from[i]!)!;
    const q = quality[i];
    if (q === 'A') actual++;
    else if (q === '-') missing++;
    else estimated++;
  }
  return {
    minutes: incoming.minutes,
    kwh,
    kvarh: kvarh.some((v) => v !== null) ? kvarh : null,
    quality: quality.join(''),
    actual,
    estimated,
    missing,
    stamps,
    src,
  };
}

/** VEE over readings: gaps of at most `maxGap` slots between two readings are interpolated (`I`), longer ones stay missing. */
function fillGaps(kwh: (number | null)[], kvarh: (number | null)[], quality: string[], maxGap: number): void {
  const n = kwh.length;
  let s = 0;
  while (s < n) {
    if (quality[s] !== '-') {
      s++;
      continue;
    }
    let e = s;
    while (e < n && quality[e] === '-') e++;
    if (s > 0 && e < n && e - s <= maxGap) {
      interpolateSlots(kwh, s, e);
      if (kvarh[s - 1] !== null && kvarh[e] !== null) interpolateSlots(kvarh, s, e);
      for (let i = s; i < e; i++) quality[i] = 'I';
    }
    s = e;
  }
}

/** Linear interpolation of slots [from, to) between the values at from − 1 and to, rounded to 1e-6 (as the aggregator does). */
export function interpolateSlots(values: { [i: number]: number | null }, from: number, to: number): void {
  const a = values[from - 1]!, b = values[to]!;
  const steps = to - from + 1;
  for (let i = from; i < to; i++) values[i] = Math.round((a + ((b - a) * (i - from + 1)) / steps) * 1e6) / 1e6;
}

/** What applying a file to one stored customer-day gives: the new day, and which meter items to write or delete. */
export interface DayMerge {
  day: StoredDay;
  write: string[];
  remove: string[];
}

export interface MergeRules {
  zone: Zone;
  bands: BandSchedule;
  maxInterpolatedGap: number;
  /** Whether a stored meter still belongs to the customer; one that does not is dropped when the day is rewritten. */
  keepMeter: (customerId: string, meterId: string) => boolean;
}

/**
 * Applies a file's meter-days (upload stamp `stamp`) to a stored customer-day: the meters it covers are merged interval
 * by interval, the others stay (except meters the customer master no longer gives the customer, which would be counted
 * twice after a meter change). Undefined when nothing changes (e.g. every reading lost to a later file).
 */
export function mergeCustomerDay(
  stored: StoredDay | undefined,
  customerId: string,
  day: string,
  incoming: Readonly<Record<string, MeterDay>>,
  stamp: string,
  rules: MergeRules,
): DayMerge | undefined {
  const meters: Record<string, StoredMeterDay> = {};
  const write: string[] = [];
  const remove: string[] = [];
  for (const [m, md] of Object.entries(incoming)) {
    const next = applyMeterDay(stored?.meters[m], md, stamp, rules.maxInterpolatedGap);
    if (next) {
      meters[m] = next;
      write.push(m);
    }
  }
  if (write.length === 0) return undefined;
  for (const [m, md] of Object.entries(stored?.meters ?? {})) {
    if (meters[m]) continue;
    if (incoming[m] || rules.keepMeter(customerId, m)) meters[m] = md;
    else remove.push(m);
  }
  const sorted: Record<string, StoredMeterDay> = {};
  for (const m of Object.keys(meters).sort()) sorted[m] = meters[m]!;
  return { day: rollUpDay(customerId, day, sorted, rules.zone, rules.bands), write: write.sort(), remove: remove.sort() };
}

/** Combines two parts of one meter-day read from one file: `a`'s readings, then `b`'s where `a` has none; gaps filled again. */
export function mergeMeterDays(a: MeterDay, b: MeterDay, maxGap: number): MeterDay {
  const merged = applyMeterDay(stampMeterDay(b, '0'), a, '1', maxGap);
  if (!merged) return a;
  const { stamps: _s, src: _r, ...md } = merged;
  return md;
}
