import { describe, expect, it } from 'vitest';
import { composeStatement, periodRange, periodUsage, shiftPeriod } from '../../../../domain/statements/compose-statement.ts';
import { computeBill } from '../../../../domain/billing/compute-bill.ts';
import { customerAdvice } from '../../../../domain/statements/advice.ts';
import type { Customer } from '../../../../domain/customers/customer-master.ts';
import type { DailyUsage } from '../../../../domain/usage/daily-usage.ts';
import type { Segment } from '../../../../domain/classification/classify.ts';
import { LARGE_INDUSTRY, PROFILE_P } from '../billing/fixtures.ts';

const customer: Customer = {
  customerId: 'C1', name: '某某钢铁', email: 'c1@example.com', locale: 'zh-CN', region: 'east', tariffId: LARGE_INDUSTRY.id,
  contractKva: 500, contractKw: 400, accountManagerEmail: 'am@example.com', pfStandard: 0.9, meterIds: ['C1'], basicChargeMode: null,
};

function days(from: string, to: string, scale = 1): DailyUsage[] {
  const out: DailyUsage[] = [];
  for (let d = from; d <= to; d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)) {
    const hourly = PROFILE_P.map((v) => v * scale);
    const kwh = hourly.reduce((a, b) => a + b, 0);
    out.push({ customerId: 'C1', day: d, kwh, hourly, bands: { sharp: 0, peak: 0, flat: kwh, valley: 0 }, maxDemandKw: 300 * scale, kvarh: kwh / 2, intervals: { actual: 24, estimated: 0, missing: 0 }, intervalMinutes: 60 });
  }
  return out;
}

const segment = {
  tier: 'A', pattern: 'day-shift', trend: 'stable', peerGroup: 1, asOf: '2026-10-31', customerId: 'C1', reasons: [], actions: ['manager text'],
  features: { avgDailyKwh: 4800, loadFactor: 0.6 },
  playbook: [{ code: 'dedicated-manager', text: 'x' }, { code: 'valley-shifting', text: 'y', savingPerMonth: 1234.5 }, { code: 'meter-check', text: 'z' }],
} as unknown as Segment;

describe('composeStatement', () => {
  const base = { customer, tariff: LARGE_INDUSTRY, period: '2026-10', issuedOn: '2026-11-02', dueDays: 15 };

  it('bills the period, compares with the previous month and says the due date', () => {
    const s = composeStatement({ ...base, days: [...days('2026-09-01', '2026-09-30'), ...days('2026-10-01', '2026-10-31', 1.1)] })!;
    expect(s.dueDate).toBe('2026-11-17');
    expect(s.daily).toHaveLength(31);
    expect(Number(s.bill.kwh)).toBeCloseTo(31 * 4800 * 1.1, 3);
    expect(s.comparison.previousPeriod!.period).toBe('2026-09');
    expect(Number(s.comparison.previousPeriod!.kwh)).toBe(144_000);
    expect(s.comparison.sameLastYear).toBeNull();
  });

  it('gives the same content hash for the same billed data, whatever the issue date, and a new one when usage changes', () => {
    const d = days('2026-10-01', '2026-10-31');
    const a = composeStatement({ ...base, days: d })!;
    const b = composeStatement({ ...base, issuedOn: '2026-11-20', days: d })!;
    const changed = d.map((x, i) => (i === 30 ? { ...x, kwh: x.kwh + 1, hourly: x.hourly.map((v, h) => (h === 3 ? v + 1 : v)) } : x));
    const c = composeStatement({ ...base, days: changed })!;
    expect(b.contentHash).toBe(a.contentHash);
    expect(c.contentHash).not.toBe(a.contentHash);
  });

  it('is null for a period without usage', () => {
    expect(composeStatement({ ...base, days: days('2026-09-01', '2026-09-30') })).toBeNull();
  });

  it('turns the manager playbook into customer advice in the customer locale', () => {
    const s = composeStatement({ ...base, days: days('2026-10-01', '2026-10-31'), segment })!;
    expect(s.segment!.actions).toEqual([
      '您是我们的重点大客户：专属客户经理和优先服务通道随时为您服务。',
      '把一部分高峰用电移到谷时段（23:00–07:00），每月约可节省 ¥1,235。',
    ]);
    expect(customerAdvice(segment.playbook, 'en')[1]).toBe('Moving part of your peak-hour use to valley hours (23:00–07:00) could save about CNY 1,235 a month.');
  });

  describe('expected next month', () => {
    // 4 months of the same day (4,800 kWh, 300 kW): the forecast of November is 30 such days, whatever the model.
    const history = days('2026-07-01', '2026-10-31');

    it('forecasts the month after the period from the days up to its end, rounded, with the bill the tariff projects', () => {
      const s = composeStatement({ ...base, days: history })!;
      const november = periodRange('2026-11');
      const bill = computeBill({ customer, tariff: LARGE_INDUSTRY, usage: periodUsage(november, days(november.from, november.to)), periodDays: 30 });
      expect(s.expectedNext).toEqual({ period: '2026-11', kwh: 30 * 4800, kwhLow: 30 * 4800, kwhHigh: 30 * 4800, maxDemandKw: 300, bill: { total: bill.total, currency: 'CNY' } });
    });

    it('gives a whole-kWh interval around the forecast and kW to one decimal', () => {
      const wobbly = history.map((d, i) => {
        const f = 1 + 0.08 * Math.sin(i * 1.7);
        return { ...d, kwh: d.kwh * f, hourly: d.hourly.map((v) => v * f), maxDemandKw: 300 * f + 0.37 };
      });
      const next = composeStatement({ ...base, days: wobbly })!.expectedNext!;
      expect(next.kwhLow).toBeLessThan(next.kwh);
      expect(next.kwhHigh).toBeGreaterThan(next.kwh);
      for (const v of [next.kwh, next.kwhLow, next.kwhHigh]) expect(Number.isInteger(v)).toBe(true);
      expect(Math.round(next.maxDemandKw * 10)).toBeCloseTo(next.maxDemandKw * 10, 9);
    });

    it('is the same, and so is the content hash, when composed again with the same days or after later days arrived', () => {
      const a = composeStatement({ ...base, days: history })!;
      const b = composeStatement({ ...base, issuedOn: '2026-11-20', days: [...history, ...days('2026-11-01', '2026-11-19', 0.5)] })!;
      expect(b.expectedNext).toEqual(a.expectedNext);
      expect(b.contentHash).toBe(a.contentHash);
    });

    it('is null with too little history, and a restated earlier month changes it but not the content hash', () => {
      expect(composeStatement({ ...base, days: days('2026-10-01', '2026-10-31') })!.expectedNext).toBeNull();
      const a = composeStatement({ ...base, days: history })!;
      const restated = composeStatement({ ...base, days: [...days('2026-07-01', '2026-08-31', 2), ...days('2026-09-01', '2026-10-31')] })!;
      expect(restated.expectedNext).not.toEqual(a.expectedNext);
      expect(restated.contentHash).toBe(a.contentHash);
    });
  });

  it('knows month lengths', () => {
    expect(periodRange('2028-02')).toEqual({ period: '2028-02', from: '2028-02-01', to: '2028-02-29', days: 29 });
    expect(shiftPeriod('2026-01', -1)).toBe('2025-12');
    expect(() => periodRange('2026-13')).toThrow(/not yyyy-mm/);
  });
});
