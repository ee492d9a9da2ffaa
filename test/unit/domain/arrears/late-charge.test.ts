import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { lateCharge } from '../../../../domain/arrears/late-charge.ts';
import { allocatePayments } from '../../../../domain/arrears/ledger.ts';
import { DEFAULT_ARREARS_POLICY as policy } from '../../../../domain/arrears/policy.ts';
import { payment, receivable } from './fixtures.ts';

const flat = (amount: string) => () => new Decimal(amount);

describe('lateCharge (电费违约金)', () => {
  it('current year only: 0.2% a day from the day after the due date up to and including asOf', () => {
    // Period 2026-03, due 2026-04-15, 10,000.00 unpaid; asOf 2026-04-25: days 04-16..04-25 = 10.
    // 10 × 10,000.00 × 0.002 = 200.00
    const r = lateCharge({ receivable: receivable('2026-03', '10000.00', '2026-04-15'), balanceOn: flat('10000.00'), asOf: '2026-04-25', policy });
    expect(r).toEqual({
      amount: '200.00',
      days: 10,
      detail: '2026-04-16..2026-04-25: 10 days × 10,000.00 × 0.2% (current year) = 200; sum 200 → 200.00 (half-up to 0.01)',
    });
  });

  it('cross year: a November statement unpaid into January pays 0.3% for the January days', () => {
    // Period 2025-11, due 2025-12-15, 5,000.00; asOf 2026-01-10.
    // 2025-12-16..12-31: 16 days × 5,000.00 × 0.002 = 160.00
    // 2026-01-01..01-10: 10 days × 5,000.00 × 0.003 = 150.00     total 310.00
    const r = lateCharge({ receivable: receivable('2025-11', '5000.00', '2025-12-15'), balanceOn: flat('5000.00'), asOf: '2026-01-10', policy });
    expect(r.amount).toBe('310.00');
    expect(r.days).toBe(26);
    expect(r.detail).toBe(
      '2025-12-16..2025-12-31: 16 days × 5,000.00 × 0.2% (current year) = 160; ' +
        '2026-01-01..2026-01-10: 10 days × 5,000.00 × 0.3% (carried from an earlier year) = 150; sum 310 → 310.00 (half-up to 0.01)',
    );
  });

  it('cross year: a December statement still unpaid in January is at 0.3% from its first overdue day', () => {
    // Period 2025-12, due 2026-01-15, 8,000.00; asOf 2026-01-20: 01-16..01-20 = 5 days, all in the year after 2025.
    // 5 × 8,000.00 × 0.003 = 120.00 (at the current-year rate it would be 80.00)
    const r = lateCharge({ receivable: receivable('2025-12', '8000.00', '2026-01-15'), balanceOn: flat('8000.00'), asOf: '2026-01-20', policy });
    expect([r.amount, r.days]).toEqual(['120.00', 5]);
    // And a December statement due in December (a billing day before month end) switches on 1 January:
    // 12-29..12-31: 3 × 8,000.00 × 0.002 = 48.00; 01-01..01-02: 2 × 8,000.00 × 0.003 = 48.00; total 96.00
    const early = lateCharge({ receivable: receivable('2025-12', '8000.00', '2025-12-28'), balanceOn: flat('8000.00'), asOf: '2026-01-02', policy });
    expect([early.amount, early.days]).toEqual(['96.00', 5]);
  });

  it('minimum: a small balance one day overdue is charged 1.00', () => {
    // 100.00 × 0.002 × 1 day = 0.20 < 1.00 → 1.00
    const r = lateCharge({ receivable: receivable('2026-03', '100.00', '2026-04-15'), balanceOn: flat('100.00'), asOf: '2026-04-16', policy });
    expect(r).toEqual({
      amount: '1.00',
      days: 1,
      detail: '2026-04-16: 1 day × 100.00 × 0.2% (current year) = 0.2; sum 0.2 → 0.20 (half-up to 0.01), below the minimum → 1.00',
    });
  });

  it('no charge without an overdue day: on the due date, or with nothing outstanding', () => {
    const rec = receivable('2026-03', '100.00', '2026-04-15');
    expect(lateCharge({ receivable: rec, balanceOn: flat('100.00'), asOf: '2026-04-15', policy })).toEqual({
      amount: '0.00',
      days: 0,
      detail: 'not overdue on 2026-04-15 (due 2026-04-15): no late-payment charge',
    });
    const paid = lateCharge({ receivable: rec, balanceOn: flat('0'), asOf: '2026-05-15', policy });
    expect([paid.amount, paid.days]).toEqual(['0.00', 0]);
  });

  it('partial payment mid-way: the payment day still accrues on the old balance, the new base from the day after', () => {
    // 10,000.00 due 2026-04-15; 4,000.00 paid on 2026-04-20; asOf 2026-04-25.
    // 04-16..04-20 (payment day included, 至交纳日止): 5 × 10,000.00 × 0.002 = 100.00
    // 04-21..04-25: 5 × 6,000.00 × 0.002 = 60.00                          total 160.00
    const rec = receivable('2026-03', '10000.00', '2026-04-15');
    const l = allocatePayments([rec], [payment('P1', '2026-04-20', '4000.00')]).get(rec.key)!;
    const r = lateCharge({ receivable: rec, balanceOn: l.balanceAtStartOf, asOf: '2026-04-25', policy });
    expect(r.amount).toBe('160.00');
    expect(r.days).toBe(10);
    expect(r.detail).toBe(
      '2026-04-16..2026-04-20: 5 days × 10,000.00 × 0.2% (current year) = 100; ' +
        '2026-04-21..2026-04-25: 5 days × 6,000.00 × 0.2% (current year) = 60; sum 160 → 160.00 (half-up to 0.01)',
    );
    // Then the remaining 6,000.00 on 04-22: 04-16..04-20 5 × 20.00 + 04-21..04-22 2 × 12.00 = 124.00; nothing after.
    const l2 = allocatePayments([rec], [payment('P1', '2026-04-20', '4000.00'), payment('P2', '2026-04-22', '6000.00')]).get(rec.key)!;
    const r2 = lateCharge({ receivable: rec, balanceOn: l2.balanceAtStartOf, asOf: '2026-05-31', policy });
    expect([r2.amount, r2.days]).toEqual(['124.00', 7]);
  });

  it('rounds half-up once, at the end', () => {
    // 1,002.50 × 0.002 = 2.005 a day. 1 day: 2.005 → 2.01 (half-up; half-even would give 2.00).
    const rec = receivable('2026-03', '1002.50', '2026-04-15');
    expect(lateCharge({ receivable: rec, balanceOn: flat('1002.50'), asOf: '2026-04-16', policy }).amount).toBe('2.01');
    // 2 days: 4.010 → 4.01 (rounding each day first would give 2 × 2.01 = 4.02).
    expect(lateCharge({ receivable: rec, balanceOn: flat('1002.50'), asOf: '2026-04-17', policy }).amount).toBe('4.01');
  });

  it('uses the configured rates and minimum', () => {
    const custom = { lateCharge: { currentYearDailyRate: '0.001', crossYearDailyRate: '0.001', minimum: '5.00' } };
    // 10 × 1,000.00 × 0.001 = 10.00; 1 × 1,000.00 × 0.001 = 1.00 < 5.00 → 5.00
    const rec = receivable('2026-03', '1000.00', '2026-04-15');
    expect(lateCharge({ receivable: rec, balanceOn: flat('1000.00'), asOf: '2026-04-25', policy: custom }).amount).toBe('10.00');
    expect(lateCharge({ receivable: rec, balanceOn: flat('1000.00'), asOf: '2026-04-16', policy: custom }).amount).toBe('5.00');
  });
});
