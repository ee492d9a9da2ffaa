import { DEFAULT_BANDS } from '../../../../domain/config.ts';
import type { ForecastDay } from '../../../../domain/forecast/forecast.ts';
import { mulberry32 } from '../../../../domain/classification/prng.ts';
import { nextDay, Zone } from '../../../../domain/time/zone.ts';
import type { Band } from '../../../../domain/usage/daily-usage.ts';

/** A day of `kwh` spread evenly over 24 hours (max demand = the hourly kWh, an hourly meter), banded by DEFAULT_BANDS. */
export function flatDay(day: string, kwh: number): ForecastDay {
  const hourly = new Array<number>(24).fill(kwh / 24);
  const weekend = Zone.weekday(day) >= 6;
  const row = (weekend ? DEFAULT_BANDS.weekend : DEFAULT_BANDS.weekday)[+day.slice(5, 7) - 1]!;
  const bands: Record<Band, number> = { sharp: 0, peak: 0, flat: 0, valley: 0 };
  hourly.forEach((v, h) => (bands[row[h]!] += v));
  return { day, kwh, hourly, bands, maxDemandKw: kwh / 24, kvarh: kwh * 0.4 };
}

/** `n` days from `first`, kWh of day i = f(i, day). */
export function series(first: string, n: number, f: (i: number, day: string) => number): ForecastDay[] {
  return Array.from({ length: n }, (_, i) => {
    const day = nextDay(first, i);
    return flatDay(day, f(i, day));
  });
}

/** Standard normal draws from a seeded mulberry32 (Box–Muller). */
export function gaussian(seed: number): () => number {
  const r = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}
