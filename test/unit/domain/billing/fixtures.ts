import { readFileSync } from 'node:fs';
import type { BillCustomer } from '../../../../domain/billing/compute-bill.ts';
import type { BillLine, PeriodUsage } from '../../../../domain/billing/bill.ts';
import { parseTariff, parseTariffText } from '../../../../domain/tariffs/parse-tariff.ts';
import type { Tariff } from '../../../../domain/tariffs/tariff.ts';
import { nextDay } from '../../../../domain/time/zone.ts';
import type { Band } from '../../../../domain/usage/daily-usage.ts';

const sample = (name: string): Tariff =>
  parseTariffText(readFileSync(new URL(`../../../../samples/tariffs/${name}.json`, import.meta.url), 'utf8'), `samples/tariffs/${name}.json`);
export const LARGE_INDUSTRY = sample('cn-large-industry-2026');
export const COMMERCIAL = sample('cn-commercial-2026');

/**
 * Hourly profile "P" used by the golden bills: under the large-industry schedule outside July and August
 * (valley 23–07, peak 08–11 and 18–23, flat otherwise, 8 hours each) it is
 * valley 8 h × 100 = 800 kWh, flat 8 h × 200 = 1,600 kWh, peak 8 h × 300 = 2,400 kWh: 4,800 kWh a day.
 */
export const PROFILE_P: number[] = Array.from({ length: 24 }, (_, h) => (h >= 23 || h < 7 ? 100 : (h >= 8 && h < 11) || (h >= 18 && h < 23) ? 300 : 200));

export type UsageDay = PeriodUsage['days'][number];

export function day(date: string, o: Partial<Omit<UsageDay, 'day'>> = {}): UsageDay {
  const hourly = o.hourly ?? PROFILE_P;
  const kwh = o.kwh ?? hourly.reduce((a, b) => a + b, 0);
  // `bands` as the ingest would have stored them under some other schedule: deliberately not what the tariff gives,
  // so a test fails if the engine bills these instead of re-banding the hourly values.
  const bands: Record<Band, number> = o.bands ?? { sharp: kwh, peak: 0, flat: 0, valley: 0 };
  return { day: date, kwh, bands, maxDemandKw: o.maxDemandKw ?? 410, kvarh: o.kvarh === undefined ? kwh * 0.75 : o.kvarh, estimated: o.estimated ?? 0, missing: o.missing ?? 0, hourly };
}

/** Every day from..to (inclusive) with the same options; `each` may adjust single days. */
export function period(from: string, to: string, o: Partial<Omit<UsageDay, 'day'>> = {}, each?: (d: UsageDay) => UsageDay | null): { usage: PeriodUsage; periodDays: number } {
  const days: UsageDay[] = [];
  let n = 0;
  for (let d = from; d <= to; d = nextDay(d)) {
    n++;
    const u = day(d, o);
    const v = each ? each(u) : u;
    if (v) days.push(v);
  }
  return { usage: { from, to, days }, periodDays: n };
}

export const CUSTOMER: BillCustomer = { contractKva: 500, contractKw: 400, pfStandard: 0.9, basicChargeMode: null };

export const amounts = (lines: BillLine[]): Record<string, string> => Object.fromEntries(lines.map((l) => [l.from ? `${l.code}@${l.from}` : l.code, l.amount]));
export const line = (lines: BillLine[], code: string): BillLine => {
  const l = lines.find((x) => x.code === code);
  if (!l) throw new Error(`no line ${code} in ${lines.map((x) => x.code).join(', ')}`);
  return l;
};

const FLAT24 = Array.from({ length: 24 }, () => 'flat');

/** A one-band (all hours flat) tariff for small hand-made cases, through the JSON parser. */
export function flatTariff(o: { rate: string; surcharges?: [string, string][]; basic?: { capacity: string; demand: string; mode: string }; pf: boolean }): Tariff {
  return parseTariff(
    {
      id: 'test-flat',
      name: { en: 'Test', 'zh-CN': '测试' },
      currency: 'CNY',
      timeZone: 'Asia/Shanghai',
      versions: [
        {
          effectiveFrom: '2026-01-01',
          schedule: { weekday: { default: FLAT24 }, weekend: { default: FLAT24 } },
          energyRates: { flat: o.rate },
          surcharges: (o.surcharges ?? []).map(([code, rate]) => ({ code, name: { en: code, 'zh-CN': code }, ratePerKwh: rate })),
          ...(o.basic ? { basicCharge: { capacityPricePerKvaMonth: o.basic.capacity, demandPricePerKwMonth: o.basic.demand, defaultMode: o.basic.mode } } : {}),
          powerFactorAdjustment: o.pf,
        },
      ],
    },
    'test-flat.json',
  );
}
