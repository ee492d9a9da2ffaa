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
 * A meter repeating the same non-zero reading for at least `minIntervals` consecutive intervals (across midnight
 * when the days are consecutive). Only file readings (A, E) count; missing slots are passed over. Zero is left out: an idle
 * plant reads zero for hours, which is the zero-reads detector's business, not a stuck register.
 */
export function findFlatLines(
  days: readonly { day: string; epochDay: number; meters: Record<string, MeterDay> | undefined }[],
  minIntervals: number,
): FlatRun[] {
  const out: FlatRun[] = [];
  interface Cur { value: number; count: number; days: string[]; minutes: number; lastEpoch: number }
  const cur = new Map<string, Cur>();
  const close = (id: string, open: boolean): void => {
    const c = cur.get(id);
    cur.delete(id);
    if (!c || c.count < minIntervals) return;
    out.push({ meterId: id, fromDay: c.days[0]!, toDay: c.days[c.days.length - 1]!, days: c.days, intervals: c.count, value: c.value, minutes: c.minutes, open });
  };
  for (const d of days) {
    for (const [id, c] of cur) if (c.lastEpoch !== d.epochDay - 1 || !d.meters?.[id]) close(id, false);
    if (!d.meters) continue;
    for (const id of Object.keys(d.meters).sort()) {
      const m = d.meters[id]!;
      for (let s = 0; s < m.kwh.length; s++) {
        const v = m.kwh[s];
        const q = m.quality[s];
        // A missing slot neither extends nor ends a run: a register stuck across a communication gap is one run.
        if (v === null || v === undefined || (q !== 'A' && q !== 'E')) continue;
        if (v <= 0) {
          close(id, false);
          continue;
        }
        const c = cur.get(id);
        if (c && c.value === v && c.minutes === m.minutes) {
          c.count++;
          if (c.days[c.days.length - 1] !== d.day) c.days.push(d.day);
          c.lastEpoch = d.epochDay;
        } else {
          close(id, false);
          cur.set(id, { value: v, count: 1, days: [d.day], minutes: m.minutes, lastEpoch: d.epochDay });
        }
      }
    }
  }
  for (const id of [...cur.keys()]) close(id, true);
  return out.sort((a, b) => (a.fromDay < b.fromDay ? -1 : a.fromDay > b.fromDay ? 1 : a.meterId < b.meterId ? -1 : 1));
}
