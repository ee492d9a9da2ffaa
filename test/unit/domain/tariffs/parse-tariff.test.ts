import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BANDS } from '../../../../domain/config.ts';
import { parseTariff, parseTariffText, splitPeriod, TariffError, TariffJsonSchema, TariffSchema, tariffVersionOn } from '../../../../domain/tariffs/parse-tariff.ts';
import type { Tariff } from '../../../../domain/tariffs/tariff.ts';

const raw = (name: string): string => readFileSync(new URL(`../../../../samples/tariffs/${name}.json`, import.meta.url), 'utf8');
const LARGE = parseTariffText(raw('cn-large-industry-2026'), 'cn-large-industry-2026.json');
const COMMERCIAL = parseTariffText(raw('cn-commercial-2026'), 'cn-commercial-2026.json');
const FLAT24 = Array(24).fill('flat');

/** A small valid tariff JSON to break one field at a time (a deep copy: no rows shared). */
function valid(): any {
  return JSON.parse(JSON.stringify({
    id: 'x',
    name: { en: 'X', 'zh-CN': '某' },
    currency: 'CNY',
    timeZone: 'Asia/Shanghai',
    versions: [
      {
        effectiveFrom: '2026-01-01',
        schedule: { weekday: { default: FLAT24 }, weekend: { default: FLAT24 } },
        energyRates: { flat: '0.6' },
        surcharges: [{ code: 'fund', name: { en: 'Fund', 'zh-CN': '基金' }, ratePerKwh: '0.0299' }],
        basicCharge: { capacityPricePerKvaMonth: '32', demandPricePerKwMonth: '48', defaultMode: 'capacity' },
        powerFactorAdjustment: true,
      },
      {
        effectiveFrom: '2026-10-16',
        schedule: { weekday: Array(12).fill(FLAT24), weekend: Array(12).fill(FLAT24) },
        energyRates: { flat: '0.62', peak: '0.9' },
        surcharges: [],
        powerFactorAdjustment: false,
      },
    ],
  }));
}
const error = (json: unknown, file = 'tariffs/x.json'): string => {
  try {
    parseTariff(json, file);
  } catch (e) {
    expect(e).toBeInstanceOf(TariffError);
    return (e as Error).message;
  }
  throw new Error('parsed without error');
};
const breaking = (mutate: (t: any) => void): string => {
  const t = valid();
  mutate(t);
  return error(t);
};

describe('the sample tariffs', () => {
  it('parse: large industry with two versions whose schedules are the default bands of domain/config.ts', () => {
    expect(LARGE.id).toBe('cn-large-industry-2026');
    expect([LARGE.currency, LARGE.timeZone]).toEqual(['CNY', 'Asia/Shanghai']);
    expect(LARGE.versions.map((v) => v.effectiveFrom)).toEqual(['2026-01-01', '2026-10-16']);
    for (const v of LARGE.versions) {
      expect(v.schedule).toEqual(DEFAULT_BANDS);
      expect(v.powerFactorAdjustment).toBe(true);
      expect(v.basicCharge?.defaultMode).toBe('contract-demand');
      // 0.0190 + 0.0062 + 0.0047 = 0.0299 (政府性基金及附加)
      expect(v.surcharges.map((s) => s.ratePerKwh)).toEqual(['0.0190', '0.0062', '0.0047']);
    }
    expect(LARGE.versions[0]!.energyRates).toEqual({ sharp: '1.0950', peak: '0.9126', flat: '0.6084', valley: '0.3042' });
    expect(LARGE.versions[0]!.basicCharge).toEqual({ capacityPricePerKvaMonth: '32', demandPricePerKwMonth: '48', defaultMode: 'contract-demand' });
    // July 10:00 is sharp, January 10:00 peak, 23:00 valley, 07:00 flat.
    const wk = LARGE.versions[0]!.schedule.weekday;
    expect([wk[6]![10], wk[0]![10], wk[0]![23], wk[0]![7], wk[7]![20], wk[8]![20]]).toEqual(['sharp', 'peak', 'valley', 'flat', 'sharp', 'peak']);
  });

  it('parse: commercial single rate, one band, one surcharge, no basic charge, no PF adjustment', () => {
    const v = COMMERCIAL.versions[0]!;
    expect(COMMERCIAL.versions).toHaveLength(1);
    expect(new Set([...v.schedule.weekday.flat(), ...v.schedule.weekend.flat()])).toEqual(new Set(['flat']));
    expect(v.schedule.weekday).toHaveLength(12);
    expect(v.energyRates).toEqual({ flat: '0.7486' });
    expect(v.surcharges).toHaveLength(1);
    expect(v.basicCharge).toBeUndefined();
    expect(v.powerFactorAdjustment).toBe(false);
  });

  it('round-trip through the stored (full-grid) schema unchanged, without $comment', () => {
    const stored = JSON.parse(JSON.stringify(LARGE)) as Tariff;
    expect(TariffSchema.parse(stored)).toEqual(LARGE);
    expect(JSON.stringify(LARGE)).not.toContain('$comment');
    // The stored schema does not take the compact form.
    expect(TariffSchema.safeParse(JSON.parse(raw('cn-commercial-2026'))).success).toBe(false);
    expect(TariffJsonSchema.safeParse(JSON.parse(raw('cn-commercial-2026'))).success).toBe(true);
  });
});

describe('the compact schedule form', () => {
  it('expands default + months overrides (months 1..12) to 12 × 24 grids', () => {
    const t = valid();
    const VALLEY = Array(24).fill('valley');
    t.versions[0].energyRates.valley = '0.3';
    t.versions[0].schedule.weekday = { default: FLAT24, months: { '1': VALLEY, '12': VALLEY } };
    const w = parseTariff(t).versions[0]!.schedule.weekday;
    expect(w.map((row) => row[0])).toEqual(['valley', ...Array(10).fill('flat'), 'valley']);
    expect(w.every((row) => row.length === 24)).toBe(true);
    // Rows are copies: changing one month does not change another.
    w[1]![0] = 'peak';
    expect(w[2]![0]).toBe('flat');
  });
});

describe('parseTariff errors name the file, the field path and the problem', () => {
  it('a rate that is not a decimal', () => {
    expect(breaking((t) => (t.versions[1].energyRates.peak = 'abc'))).toBe('tariffs/x.json: versions[1].energyRates.peak: "abc" is not a decimal number');
  });

  it('a rate written as a JSON number, a negative rate, an exponent', () => {
    expect(breaking((t) => (t.versions[0].energyRates.flat = 0.6))).toBe('tariffs/x.json: versions[0].energyRates.flat: 0.6 must be a decimal string such as "0.6084", not a number');
    expect(breaking((t) => (t.versions[0].surcharges[0].ratePerKwh = '-0.01'))).toBe('tariffs/x.json: versions[0].surcharges[0].ratePerKwh: "-0.01" must be at least 0');
    expect(breaking((t) => (t.versions[0].basicCharge.demandPricePerKwMonth = '4.8e1'))).toBe('tariffs/x.json: versions[0].basicCharge.demandPricePerKwMonth: "4.8e1" is not a decimal number');
  });

  it('grids that are not 12 × 24', () => {
    expect(breaking((t) => t.versions[1].schedule.weekday.pop())).toBe('tariffs/x.json: versions[1].schedule.weekday: must have 12 months, has 11');
    expect(breaking((t) => t.versions[1].schedule.weekend[3].pop())).toBe('tariffs/x.json: versions[1].schedule.weekend[3]: must have 24 hours, has 23');
    expect(breaking((t) => (t.versions[0].schedule.weekend.default = FLAT24.slice(1)))).toBe('tariffs/x.json: versions[0].schedule.weekend.default: must have 24 hours, has 23');
    expect(breaking((t) => (t.versions[0].schedule.weekday = 'flat'))).toBe(
      'tariffs/x.json: versions[0].schedule.weekday: is neither a 12×24 grid of bands nor {"default": [24 bands], "months": {...}}',
    );
  });

  it('an unknown band, a month outside 1..12', () => {
    expect(breaking((t) => (t.versions[1].schedule.weekday[6] = [...FLAT24.slice(0, 10), 'shrap', ...FLAT24.slice(11)]))).toBe(
      'tariffs/x.json: versions[1].schedule.weekday[6][10]: "shrap" is not a band (sharp, peak, flat, valley)',
    );
    expect(breaking((t) => (t.versions[0].schedule.weekday.months = { '13': FLAT24 }))).toBe('tariffs/x.json: versions[0].schedule.weekday.months["13"]: month "13" is not 1..12');
    expect(breaking((t) => (t.versions[0].schedule.weekday.months = { '7': [...FLAT24.slice(1), 'hi'] }))).toBe(
      'tariffs/x.json: versions[0].schedule.weekday.months["7"][23]: "hi" is not a band (sharp, peak, flat, valley)',
    );
  });

  it('a band in the schedule without an energy rate', () => {
    expect(breaking((t) => (t.versions[0].schedule.weekend.months = { '8': [...FLAT24.slice(1), 'sharp'] }))).toBe(
      'tariffs/x.json: versions[0].energyRates.sharp: is missing: the schedule uses band sharp',
    );
  });

  it('versions out of order or on the same day, an impossible date', () => {
    expect(breaking((t) => (t.versions[1].effectiveFrom = '2026-01-01'))).toBe(
      'tariffs/x.json: versions[1].effectiveFrom: "2026-01-01" must be after versions[0].effectiveFrom "2026-01-01" (versions are sorted by date, each day once)',
    );
    expect(breaking((t) => t.versions.reverse())).toMatch(/^tariffs\/x.json: versions\[1\].effectiveFrom: "2026-01-01" must be after versions\[0\].effectiveFrom "2026-10-16"/);
    expect(breaking((t) => (t.versions[0].effectiveFrom = '2026-02-30'))).toBe('tariffs/x.json: versions[0].effectiveFrom: "2026-02-30" is not a valid yyyy-mm-dd day');
    expect(breaking((t) => (t.versions = []))).toBe('tariffs/x.json: versions: must hold at least one version');
  });

  it('currency, time zone, duplicate surcharge codes', () => {
    expect(breaking((t) => (t.currency = 'cny'))).toBe('tariffs/x.json: currency: "cny" is not a 3-letter currency code such as "CNY"');
    expect(breaking((t) => (t.timeZone = 'Asia/Shanghia'))).toBe('tariffs/x.json: timeZone: "Asia/Shanghia" is not an IANA time zone such as "Asia/Shanghai"');
    expect(breaking((t) => t.versions[0].surcharges.push({ ...t.versions[0].surcharges[0] }))).toBe(
      'tariffs/x.json: versions[0].surcharges[1].code: "fund" is used twice (also surcharges[0])',
    );
  });

  it('unknown, missing and mistyped fields; every problem is listed', () => {
    expect(breaking((t) => (t.versions[0].energyRate = {}))).toBe('tariffs/x.json: versions[0].energyRate: unknown field');
    expect(breaking((t) => delete t.versions[1].powerFactorAdjustment)).toBe('tariffs/x.json: versions[1].powerFactorAdjustment: is required (true or false)');
    expect(breaking((t) => (t.versions[0].basicCharge.defaultMode = 'demand'))).toBe(
      'tariffs/x.json: versions[0].basicCharge.defaultMode: "demand" is not capacity, contract-demand or actual-demand',
    );
    expect(breaking((t) => delete t.name['zh-CN'])).toBe('tariffs/x.json: name["zh-CN"]: is required');
    const both = breaking((t) => {
      t.currency = 'yuan';
      t.versions[1].energyRates.flat = '';
    });
    expect(both).toBe('tariffs/x.json: currency: "yuan" is not a 3-letter currency code such as "CNY"; versions[1].energyRates.flat: "" is not a decimal number');
    expect(error(null, 'a.json')).toBe('a.json: (top level): must be an object');
  });

  it('collects the problems on the error and names a file that is not JSON', () => {
    try {
      parseTariff({ ...valid(), currency: 'x', timeZone: 'y' }, 'f.json');
    } catch (e) {
      expect((e as TariffError).problems).toHaveLength(2);
    }
    expect(() => parseTariffText('{"id": ', 'tariffs/broken.json')).toThrow(/^tariffs\/broken.json: not valid JSON/);
  });
});

describe('tariffVersionOn and splitPeriod', () => {
  it('picks the version in force on a day', () => {
    expect(tariffVersionOn(LARGE, '2026-10-15').effectiveFrom).toBe('2026-01-01');
    expect(tariffVersionOn(LARGE, '2026-10-16').effectiveFrom).toBe('2026-10-16');
    expect(tariffVersionOn(LARGE, '2030-01-01').effectiveFrom).toBe('2026-10-16');
    expect(() => tariffVersionOn(LARGE, '2025-12-31')).toThrow(/no version in force on 2025-12-31/);
  });

  it('splits October 2026 at the mid-October change', () => {
    expect(splitPeriod(LARGE, '2026-10-01', '2026-10-31').map((s) => [s.from, s.to, s.days, s.version.effectiveFrom])).toEqual([
      ['2026-10-01', '2026-10-15', 15, '2026-01-01'],
      ['2026-10-16', '2026-10-31', 16, '2026-10-16'],
    ]);
  });

  it('does not split a period inside one version or starting on the change day', () => {
    expect(splitPeriod(LARGE, '2026-09-01', '2026-09-30').map((s) => [s.from, s.to, s.days])).toEqual([['2026-09-01', '2026-09-30', 30]]);
    expect(splitPeriod(LARGE, '2026-10-16', '2026-11-15').map((s) => [s.from, s.to, s.days, s.version.effectiveFrom])).toEqual([['2026-10-16', '2026-11-15', 31, '2026-10-16']]);
    // The last day before the change alone.
    expect(splitPeriod(LARGE, '2026-10-15', '2026-10-15').map((s) => [s.days, s.version.effectiveFrom])).toEqual([[1, '2026-01-01']]);
  });

  it('splits at every change inside the period', () => {
    const t = parseTariff(valid());
    const three: Tariff = { ...t, versions: [t.versions[0]!, { ...t.versions[1]!, effectiveFrom: '2026-03-02' }, { ...t.versions[1]!, effectiveFrom: '2026-03-20' }] };
    // 2026-03-01 (1 day) | 03-02..03-19 (18 days) | 03-20..03-31 (12 days)
    expect(splitPeriod(three, '2026-03-01', '2026-03-31').map((s) => [s.from, s.to, s.days])).toEqual([
      ['2026-03-01', '2026-03-01', 1],
      ['2026-03-02', '2026-03-19', 18],
      ['2026-03-20', '2026-03-31', 12],
    ]);
  });

  it('refuses a period before the first version or backwards', () => {
    expect(() => splitPeriod(LARGE, '2025-12-31', '2026-01-31')).toThrow(TariffError);
    expect(() => splitPeriod(LARGE, '2026-10-31', '2026-10-01')).toThrow(/ends before it starts/);
  });
});
