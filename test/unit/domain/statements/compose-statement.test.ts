import { describe, expect, it } from 'vitest';
import { composeStatement, periodRange, shiftPeriod } from '../../../../domain/statements/compose-statement.ts';
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

  it('knows month lengths', () => {
    expect(periodRange('2028-02')).toEqual({ period: '2028-02', from: '2028-02-01', to: '2028-02-29', days: 29 });
    expect(shiftPeriod('2026-01', -1)).toBe('2025-12');
    expect(() => periodRange('2026-13')).toThrow(/not yyyy-mm/);
  });
});
