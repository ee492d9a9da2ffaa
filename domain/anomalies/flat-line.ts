import type { MeterDay } from '../usage/meter-day.ts';

export interface FlatRun {
  meterId: string;
  fromDay: string;
  toDay: string;
  /** Day keys the run touches. */
  days: string[];
  intervals: number;
  value: number;
  minutes: number;
  /** The run reaches the last interval of the window. */
  open: boolean;
}

/**
 * One meter-day's runs of a repeated reading, as stored with the day's roll-up (`DailyUsage.runs`), so flat lines are
 * found from the roll-ups alone, over any window, without reading a single meter item. A few numbers per meter-day
 * at any resolution: the run the day starts with and the one it ends with (which may join runs of the days around
 * it) and the longer runs inside it.
 *
 * What a run is: consecutive *actual* (A) readings of one non-zero value. Missing and interpolated slots are passed
 * over (a register stuck across a communication gap is one run); a zero, an estimated (E) reading or another value
 * ends it. Zero is left out because an idle plant reads zero for hours (the zero-reads check's business), and
 * estimated readings because a substitute that repeats a value is the meter system's fill-in, reported by the
 * estimated-share check, and because daily register exports are spread evenly over hours as estimated readings.
 */
export interface MeterRuns {
  /** Interval length, minutes. */
  m: number;
  /** [value, intervals] of the run the day's first reading starts; null when that reading ends runs. */
  head: [number, number] | null;
  /** [value, intervals] of the run the day's last reading belongs to; null when that reading ends runs. */
  tail: [number, number] | null;
  /** Head and tail are one run that covers every reading of the day. */
  whole: boolean;
  /** [value, intervals] of the runs inside the day (neither head nor tail) of at least MIN_STORED_RUN intervals. */
  inner: [number, number][];
}

/** Shorter runs inside a day are not stored: `anomalies.flatLineIntervals` may not be set below this. */
export const MIN_STORED_RUN = 4;

/** A meter-day's runs; null when it has no reading at all (such a day ends a run, as a day without the meter does). */
export function meterRuns(m: MeterDay, minInner = MIN_STORED_RUN): MeterRuns | null {
  const runs: { value: number; count: number; first: boolean }[] = [];
  let cur: { value: number; count: number; first: boolean } | null = null;
  let readings = 0;
  for (let s = 0; s < m.kwh.length; s++) {
    const v = m.kwh[s];
    const q = m.quality[s];
    if (v === null || v === undefined || (q !== 'A' && q !== 'E')) continue;
    readings++;
    if (v <= 0 || q === 'E') {
      if (cur) runs.push(cur);
      cur = null;
      continue;
    }
    if (cur && cur.value === v) cur.count++;
    else {
      if (cur) runs.push(cur);
      cur = { value: v, count: 1, first: readings === 1 };
    }
  }
  if (readings === 0) return null;
  const open = cur;
  if (cur) runs.push(cur);
  const head = runs[0]?.first ? runs[0] : null;
  const tail = open;
  const whole = head !== null && head === tail;
  const inner = runs.filter((r) => r !== head && r !== tail && r.count >= minInner).map((r): [number, number] => [r.value, r.count]);
  return { m: m.minutes, head: head ? [head.value, head.count] : null, tail: tail ? [tail.value, tail.count] : null, whole, inner };
}

/** The runs of each meter of a day, for a day whose intervals are at hand. */
export function runsOf(meters: Record<string, MeterDay>, minInner = MIN_STORED_RUN): Record<string, MeterRuns> {
  const out: Record<string, MeterRuns> = {};
  for (const id of Object.keys(meters).sort()) {
    const r = meterRuns(meters[id]!, minInner);
    if (r) out[id] = r;
  }
  return out;
}

/**
 * A meter repeating the same non-zero actual reading for at least `minIntervals` consecutive intervals, across
 * midnight when the days are consecutive, from the days' run summaries (see MeterRuns).
 */
export function findFlatLines(
  days: readonly { day: string; epochDay: number; runs: Record<string, MeterRuns> | undefined }[],
  minIntervals: number,
): FlatRun[] {
  const out: FlatRun[] = [];
  interface Cur { value: number; count: number; days: string[]; minutes: number; lastEpoch: number }
  const cur = new Map<string, Cur>();
  const emit = (id: string, c: Cur, open: boolean): void => {
    if (c.count >= minIntervals) out.push({ meterId: id, fromDay: c.days[0]!, toDay: c.days[c.days.length - 1]!, days: c.days, intervals: c.count, value: c.value, minutes: c.minutes, open });
  };
  const close = (id: string, open: boolean): void => {
    const c = cur.get(id);
    cur.delete(id);
    if (c) emit(id, c, open);
  };
  for (const d of days) {
    for (const [id, c] of cur) if (c.lastEpoch !== d.epochDay - 1 || !d.runs?.[id]) close(id, false);
    if (!d.runs) continue;
    for (const id of Object.keys(d.runs).sort()) {
      const r = d.runs[id]!;
      const c = cur.get(id);
      if (r.head) {
        if (c && c.value === r.head[0] && c.minutes === r.m) {
          c.count += r.head[1];
          c.days.push(d.day);
          c.lastEpoch = d.epochDay;
        } else {
          close(id, false);
          cur.set(id, { value: r.head[0], count: r.head[1], days: [d.day], minutes: r.m, lastEpoch: d.epochDay });
        }
        if (r.whole) continue;
      }
      close(id, false);
      for (const [value, count] of r.inner) emit(id, { value, count, days: [d.day], minutes: r.m, lastEpoch: d.epochDay }, false);
      if (r.tail) cur.set(id, { value: r.tail[0], count: r.tail[1], days: [d.day], minutes: r.m, lastEpoch: d.epochDay });
    }
  }
  for (const id of [...cur.keys()]) close(id, true);
  return out.sort((a, b) => (a.fromDay < b.fromDay ? -1 : a.fromDay > b.fromDay ? 1 : a.meterId < b.meterId ? -1 : 1));
}
