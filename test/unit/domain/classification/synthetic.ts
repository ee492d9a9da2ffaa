/** Deterministic synthetic daily usage for classification tests: one hourly shape per archetype, mild seeded noise. */
import { mulberry32 } from '../../../../domain/classification/prng.ts';
import { DEFAULT_BANDS } from '../../../../domain/config.ts';
import { Zone, nextDay } from '../../../../domain/time/zone.ts';
import type { DailyUsage } from '../../../../domain/usage/daily-usage.ts';

export const AS_OF = '2025-06-30';

/** Mean kWh for each hour of a day; `weekday` is 1 = Monday .. 7 = Sunday. */
export type DayShape = (weekday: number, rng: () => number) => number[];

const hours = (f: (h: number) => number): number[] => Array.from({ length: 24 }, (_, h) => f(h));

export const SHAPES = {
  continuous: () => hours(() => 100),
  'day-shift': (wd) => hours((h) => (h >= 8 && h < 18 ? (wd === 7 ? 60 : 100) : 5)),
  'evening-peak': () => hours((h) => (h >= 17 && h < 23 ? 100 : h >= 10 && h < 17 ? 30 : 5)),
  'night-shift': () => hours((h) => (h >= 22 || h < 6 ? 100 : 10)),
  'weekday-only': (wd) => hours((h) => (wd >= 6 ? 2 : h >= 8 && h < 20 ? 100 : 10)),
  irregular: (_wd, rng) => {
    const start = Math.floor(rng() * 24);
    const len = 2 + Math.floor(rng() * 10);
    const level = 50 + rng() * 100;
    return hours((h) => ((h - start + 24) % 24 < len ? level : 2));
  },
} satisfies Record<string, DayShape>;

export interface GenOptions {
  customerId?: string;
  /** Last day generated. */
  end?: string;
  /** Number of days, ending on `end`. */
  days?: number;
  shape: DayShape;
  /** Relative uniform noise per hour (±). */
  noise?: number;
  seed?: number;
  /** Daily multiplier; `i` counts days from the first generated one. */
  scale?: (i: number, day: string) => number;
  /** kvarh = kWh × ratio; null for meters without reactive energy. */
  kvarhRatio?: number | null;
  /** Leave these day indexes out. */
  skip?: (i: number) => boolean;
}

export function generate(o: GenOptions): DailyUsage[] {
  const rng = mulberry32(o.seed ?? 1);
  const n = o.days ?? 200;
  const end = o.end ?? AS_OF;
  const noise = o.noise ?? 0.05;
  const out: DailyUsage[] = [];
  for (let i = 0; i < n; i++) {
    const day = nextDay(end, i - n + 1);
    const wd = Zone.weekday(day);
    const base = o.shape(wd, rng);
    const scale = o.scale?.(i, day) ?? 1;
    const hourly = base.map((x) => x * scale * (1 + noise * (2 * rng() - 1)));
    if (o.skip?.(i)) continue;
    out.push(dailyUsage(o.customerId ?? 'C1', day, hourly, o.kvarhRatio ?? null));
  }
  return out;
}

/** One day from 24 hourly kWh values, banded with the default schedule, hourly intervals, all actual. */
export function dailyUsage(customerId: string, day: string, hourly: number[], kvarhRatio: number | null = null): DailyUsage {
  const month = Number(day.slice(5, 7)) - 1;
  const grid = (Zone.weekday(day) >= 6 ? DEFAULT_BANDS.weekend : DEFAULT_BANDS.weekday)[month]!;
  const bands = { sharp: 0, peak: 0, flat: 0, valley: 0 };
  hourly.forEach((x, h) => (bands[grid[h]!] += x));
  const kwh = hourly.reduce((a, b) => a + b, 0);
  return {
    customerId,
    day,
    kwh,
    hourly,
    bands,
    maxDemandKw: Math.max(...hourly),
    kvarh: kvarhRatio === null ? null : kwh * kvarhRatio,
    intervals: { actual: 24, estimated: 0, missing: 0 },
    intervalMinutes: 60,
  };
}
