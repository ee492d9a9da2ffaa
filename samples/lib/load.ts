/** Hourly load per meter for each archetype, and the features it really has (for archetypes.json). */
import { DEFAULT_BANDS } from '../../domain/config.ts';
import type { Band } from '../../domain/usage/daily-usage.ts';
import { nextDay, Zone } from '../../domain/time/zone.ts';
import { CURRENT_WINDOW, DAYS, FIRST_DAY, meters, PREVIOUS_WINDOW, SEED, type Customer } from './customers.ts';
import { Rng } from './random.ts';

export interface Day {
  index: number;
  /** Local date yyyy-mm-dd. */
  key: string;
  weekend: boolean;
  month: number;
}

export const CALENDAR: Day[] = Array.from({ length: DAYS }, (_, index) => {
  const key = nextDay(FIRST_DAY, index);
  return { index, key, weekend: Zone.weekday(key) >= 6, month: +key.slice(5, 7) - 1 };
});

export interface MeterSeries {
  meterId: string;
  /** kWh per hour, DAYS × 24, NaN before the customer's first day; 3 decimals. */
  kwh: Float64Array;
  /** kvarh per hour, or null when the meter reports none. */
  kvarh: Float64Array | null;
}

export interface Load {
  customer: Customer;
  meters: MeterSeries[];
  /** Customer total kWh per hour (sum of the meters). */
  total: Float64Array;
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Level of a growing or declining customer: flat, a 20-day ramp just before the current window, flat again;
 * solved so the two windows' energy (with each day's weekday/weekend weight) differ by exactly the target.
 */
function levels(targetChange: number, dayWeight: (d: number) => number): (day: number) => number {
  if (targetChange === 0) return () => 1;
  const ramp = (d: number) => Math.min(1, Math.max(0, (d - 88) / 20));
  const sums = (w: { from: number; to: number }) => {
    let a = 0;
    let b = 0;
    for (let d = w.from; d <= w.to; d++) {
      a += dayWeight(d);
      b += dayWeight(d) * ramp(d);
    }
    return { a, b };
  };
  const cur = sums(CURRENT_WINDOW);
  const prev = sums(PREVIOUS_WINDOW);
  const delta = ((1 + targetChange) * prev.a - cur.a) / (cur.b - (1 + targetChange) * prev.b);
  return (d) => 1 + delta * ramp(d);
}

/** Day-to-day multipliers: small noise, or for `volatile` the same wide spread in both windows (stable mean, CV ≈ 0.43). */
function dayMultipliers(c: Customer, rng: Rng): number[] {
  const out = new Array<number>(DAYS);
  if (c.trend !== 'volatile') {
    for (let d = 0; d < DAYS; d++) out[d] = 1 + 0.06 * (rng.next() + rng.next() - 1);
    return out;
  }
  for (let d = 0; d < PREVIOUS_WINDOW.from; d++) out[d] = rng.uniform(0.25, 1.75);
  // Evenly spread values, shuffled, separately for weekdays and weekends of each window: the means stay equal.
  for (const w of [PREVIOUS_WINDOW, CURRENT_WINDOW]) {
    for (const weekend of [false, true]) {
      const days = CALENDAR.slice(w.from, w.to + 1).filter((day) => day.weekend === weekend);
      const spread = rng.shuffle(days.map((_, k) => 0.25 + (1.5 * (k + 0.5)) / days.length));
      days.forEach((day, k) => (out[day.index] = spread[k]!));
    }
  }
  return out;
}

function normalize(w: number[]): number[] {
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
}

/** Hour weights of a work shift from `start` to `end` (exclusive) with shoulders and a lunch dip. */
function shift(start: number, end: number, low: number): number[] {
  return Array.from({ length: 24 }, (_, h) =>
    h >= start && h < end ? (h === 12 ? 0.8 : 1) : h === start - 1 || h === end ? 0.45 : low,
  );
}

/** Weekday and weekend hour weights (each summing to 1) and the weekend's energy relative to a weekday. */
function shapes(c: Customer, rng: Rng): { weekday: number[]; weekend: number[]; weekendEnergy: number } {
  switch (c.pattern) {
    case 'continuous': {
      const w = normalize(Array.from({ length: 24 }, () => rng.uniform(0.94, 1.06)));
      return { weekday: w, weekend: w, weekendEnergy: 1 };
    }
    case 'day-shift': {
      const w = normalize(shift(rng.pick([7, 8, 8]), rng.pick([17, 18, 18]), rng.uniform(0.08, 0.15)));
      return { weekday: w, weekend: w, weekendEnergy: 1 };
    }
    case 'evening-peak': {
      const night = rng.uniform(0.1, 0.18);
      const mid = rng.uniform(0.35, 0.5);
      const w = normalize(
        Array.from({ length: 24 }, (_, h) =>
          h < 7 ? night : h < 10 ? night + (mid - night) * ((h - 6) / 4) : h < 17 ? mid : h < 23 ? (h === 17 ? 0.85 : 1) : 0.5,
        ),
      );
      return { weekday: w, weekend: w, weekendEnergy: 1 };
    }
    case 'night-shift': {
      const low = rng.uniform(0.08, 0.14);
      const w = normalize(Array.from({ length: 24 }, (_, h) => (h >= 22 || h < 7 ? 1 : h === 21 || h === 7 ? 0.45 : low)));
      return { weekday: w, weekend: w, weekendEnergy: 1 };
    }
    case 'weekday-only': {
      const w = normalize(shift(rng.pick([8, 8, 9]), rng.pick([17, 18]), 0.05));
      return { weekday: w, weekend: normalize(new Array<number>(24).fill(1)), weekendEnergy: 0.06 };
    }
    case 'irregular': {
      const flat = normalize(new Array<number>(24).fill(1));
      return { weekday: flat, weekend: flat, weekendEnergy: 1 };
    }
  }
}

/** A day of an irregular site: one to three random blocks of work, 6–14 hours in all. */
function randomBlocks(rng: Rng): number[] {
  const w = new Array<number>(24).fill(rng.uniform(0.04, 0.1));
  let hours = rng.int(6, 14);
  const blocks = rng.int(1, 3);
  for (let b = 0; b < blocks && hours > 0; b++) {
    const len = b === blocks - 1 ? hours : Math.min(hours, rng.int(2, Math.max(2, hours - 2)));
    const start = rng.int(0, 24 - len);
    const level = rng.uniform(0.7, 1);
    for (let h = start; h < start + len; h++) w[h] = level;
    hours -= len;
  }
  return normalize(w);
}

export function generateLoad(c: Customer): Load {
  const shapeRng = new Rng(`${c.id}:shape`, SEED);
  const dailyRng = new Rng(`${c.id}:daily`, SEED);
  const hourlyRng = new Rng(`${c.id}:hourly`, SEED);
  const meterRng = new Rng(`${c.id}:meters`, SEED);
  const reactiveRng = new Rng(`${c.id}:kvarh`, SEED);
  const shape = shapes(c, shapeRng);
  const level = levels(c.targetChange, (d) => (CALENDAR[d]!.weekend ? shape.weekendEnergy : 1));
  const mult = dayMultipliers(c, dailyRng);
  const ids = meters(c);
  const series: MeterSeries[] = ids.map((meterId) => ({
    meterId,
    kwh: new Float64Array(DAYS * 24).fill(Number.NaN),
    kvarh: c.powerFactor === null ? null : new Float64Array(DAYS * 24).fill(Number.NaN),
  }));
  const total = new Float64Array(DAYS * 24).fill(Number.NaN);
  const tanPhi = c.powerFactor === null ? 0 : Math.sqrt(1 / (c.powerFactor * c.powerFactor) - 1);

  for (const day of CALENDAR) {
    const d = day.index;
    const energy = c.baseDailyKwh * level(d) * mult[d]! * (day.weekend ? shape.weekendEnergy : 1);
    const weights = c.pattern === 'irregular' ? randomBlocks(shapeRng) : day.weekend ? shape.weekend : shape.weekday;
    for (let h = 0; h < 24; h++) {
      const v = energy * weights[h]! * (1 + 0.08 * (hourlyRng.next() - 0.5));
      const jitter = ids.length > 1 ? meterRng.uniform(-0.03, 0.03) : 0;
      if (d < c.startDay) continue;
      const i = d * 24 + h;
      let sum = 0;
      let rest = v;
      series.forEach((s, m) => {
        const part = m === series.length - 1 ? rest : v * (c.meterShares[m]! + jitter);
        rest -= part;
        const kwh = round3(part);
        s.kwh[i] = kwh;
        sum += kwh;
        if (s.kvarh) s.kvarh[i] = round3(kwh * tanPhi * (1 + 0.1 * (reactiveRng.next() - 0.5)));
      });
      total[i] = round3(sum);
    }
  }
  return { customer: c, meters: series, total };
}

/** Contract demand from the peak of the first 90 days with data (growing sites outgrow it), capacity above it. */
export function setContract(load: Load): void {
  const c = load.customer;
  let peak = 0;
  for (let i = c.startDay * 24; i < (c.startDay + 90) * 24; i++) peak = Math.max(peak, load.total[i]!);
  c.contractKw = Math.ceil((peak * 1.2) / 50) * 50;
  c.contractKva = Math.ceil(c.contractKw / 0.8 / 100) * 100;
}

export interface Realized {
  avgDailyKwh: number;
  previousAvgDailyKwh: number | null;
  previousCoverage: number;
  change: number | null;
  loadFactor: number;
  maxDemandKw: number;
  nightShare: number;
  bandShares: Record<Band, number>;
  weekendToWeekday: number;
  cvWeekday: number;
  cvWeekend: number;
  powerFactor: number | null;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function cv(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) * (b - m), 0) / xs.length;
  return m > 0 ? Math.sqrt(v) / m : 0;
}

/** What the generated data really shows over the current window (before bad rows, gaps and corrections). */
export function realize(load: Load): Realized {
  const dayKwh = (d: number) => {
    let s = 0;
    for (let h = 0; h < 24; h++) s += load.total[d * 24 + h]!;
    return s;
  };
  const windowDays = (w: { from: number; to: number }) =>
    CALENDAR.slice(w.from, w.to + 1).filter((day) => !Number.isNaN(load.total[day.index * 24]!));
  const cur = windowDays(CURRENT_WINDOW);
  const prev = windowDays(PREVIOUS_WINDOW);
  const curKwh = cur.reduce((a, d) => a + dayKwh(d.index), 0);
  const prevKwh = prev.reduce((a, d) => a + dayKwh(d.index), 0);
  const coverage = prev.length / (PREVIOUS_WINDOW.to - PREVIOUS_WINDOW.from + 1);
  let max = 0;
  let night = 0;
  const bands: Record<Band, number> = { sharp: 0, peak: 0, flat: 0, valley: 0 };
  for (const day of cur) {
    for (let h = 0; h < 24; h++) {
      const v = load.total[day.index * 24 + h]!;
      max = Math.max(max, v);
      if (h < 6) night += v;
      bands[(day.weekend ? DEFAULT_BANDS.weekend : DEFAULT_BANDS.weekday)[day.month]![h]!] += v;
    }
  }
  const weekday = cur.filter((d) => !d.weekend).map((d) => dayKwh(d.index));
  const weekend = cur.filter((d) => d.weekend).map((d) => dayKwh(d.index));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let kwh = 0;
  let kvarh = 0;
  for (const s of load.meters) {
    for (const day of cur) {
      for (let h = 0; h < 24; h++) {
        kwh += s.kwh[day.index * 24 + h]!;
        kvarh += s.kvarh ? s.kvarh[day.index * 24 + h]! : 0;
      }
    }
  }
  const hasKvarh = load.meters.some((s) => s.kvarh);
  return {
    avgDailyKwh: Math.round(curKwh / cur.length),
    previousAvgDailyKwh: coverage >= 0.8 ? Math.round(prevKwh / prev.length) : null,
    previousCoverage: r3(coverage),
    change: coverage >= 0.8 ? r3(curKwh / cur.length / (prevKwh / prev.length) - 1) : null,
    loadFactor: r3(curKwh / (cur.length * 24) / max),
    maxDemandKw: r3(max),
    nightShare: r3(night / curKwh),
    bandShares: { sharp: r3(bands.sharp / curKwh), peak: r3(bands.peak / curKwh), flat: r3(bands.flat / curKwh), valley: r3(bands.valley / curKwh) },
    weekendToWeekday: r3(mean(weekend) / mean(weekday)),
    cvWeekday: r3(cv(weekday)),
    cvWeekend: r3(cv(weekend)),
    powerFactor: hasKvarh ? r3(kwh / Math.sqrt(kwh * kwh + kvarh * kvarh)) : null,
  };
}
