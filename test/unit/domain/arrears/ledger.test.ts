import { describe, expect, it } from 'vitest';
import { allocatePayments, type BalanceChange } from '../../../../domain/arrears/ledger.ts';
import { payment, receivable } from './fixtures.ts';

const points = (changes: BalanceChange[]) => changes.map((c) => [c.day, c.balance.toFixed(2)]);

describe('allocatePayments', () => {
  it('pays the oldest statement first across two statements, each payment on its day', () => {
    const feb = receivable('2026-02', '1000.00', '2026-03-15');
    const mar = receivable('2026-03', '2000.00', '2026-04-15');
    // Listed newest first on purpose: order of the input does not matter, due date does.
    const l = allocatePayments([mar, feb], [payment('P2', '2026-04-20', '1500.00'), payment('P1', '2026-03-20', '600.00')]);
    expect(l.receivables.map((r) => r.receivable.key)).toEqual(['2026-02#v1', '2026-03#v1']);
    const f = l.get('2026-02#v1')!;
    const m = l.get('2026-03#v1')!;
    // Feb arrives 2026-03-01 (1000.00); P1 600.00 on 03-20 → 400.00; P2 1500.00 on 04-20: 400.00 to Feb → 0.00,
    // the remaining 1100.00 to Mar (arrived 04-01, 2000.00) → 900.00.
    expect(points(f.changes)).toEqual([['2026-03-01', '1000.00'], ['2026-03-20', '400.00'], ['2026-04-20', '0.00']]);
    expect(points(m.changes)).toEqual([['2026-04-01', '2000.00'], ['2026-04-20', '900.00']]);
    expect(m.allocations.map((a) => [a.reference, a.day, a.amount.toFixed(2), a.fromCredit])).toEqual([['P2', '2026-04-20', '1100.00', false]]);
    expect(f.outstandingOn('2026-03-19').toFixed(2)).toBe('1000.00');
    expect(f.outstandingOn('2026-03-20').toFixed(2)).toBe('400.00');
    expect(f.balanceAtStartOf('2026-03-20').toFixed(2)).toBe('1000.00');
    expect(f.balanceAtStartOf('2026-03-21').toFixed(2)).toBe('400.00');
    expect(m.outstandingOn('2026-03-31').toFixed(2)).toBe('0.00'); // not yet arrived
    expect(m.outstandingOn('2026-12-31').toFixed(2)).toBe('900.00');
    expect(l.credit.toFixed(2)).toBe('0.00');
  });

  it('orders by due date, then period', () => {
    // Same due date: the earlier period first.
    const a = receivable('2026-03', '100.00', '2026-04-15');
    const b = receivable('2026-02', '100.00', '2026-04-15', { issuedOn: '2026-04-01' });
    const l = allocatePayments([a, b], [payment('P', '2026-04-10', '150.00')]);
    expect(l.get('2026-02#v1')!.outstandingOn('2026-04-10').toFixed(2)).toBe('0.00');
    expect(l.get('2026-03#v1')!.outstandingOn('2026-04-10').toFixed(2)).toBe('50.00');
  });

  it('keeps an overpayment as credit and applies it to the next statement when it arrives', () => {
    const feb = receivable('2026-02', '1000.00', '2026-03-15');
    const mar = receivable('2026-03', '2000.00', '2026-04-15', { issuedOn: '2026-04-03' });
    const l = allocatePayments([feb, mar], [payment('P1', '2026-03-10', '1250.50')]);
    // 1250.50 − 1000.00 = 250.50 credit from 03-10; Mar arrives 04-03: 2000.00 − 250.50 = 1749.50.
    expect(points(l.creditChanges)).toEqual([['2026-03-10', '250.50'], ['2026-04-03', '0.00']]);
    expect(l.creditOn('2026-03-31').toFixed(2)).toBe('250.50');
    expect(points(l.get('2026-03#v1')!.changes)).toEqual([['2026-04-03', '1749.50']]);
    expect(l.get('2026-03#v1')!.allocations.map((a) => [a.reference, a.day, a.amount.toFixed(2), a.fromCredit])).toEqual([
      ['P1', '2026-04-03', '250.50', true],
    ]);
    expect(l.credit.toFixed(2)).toBe('0.00');
    // Without the March statement the credit stays.
    expect(allocatePayments([feb], [payment('P1', '2026-03-10', '1250.50')]).credit.toFixed(2)).toBe('250.50');
  });

  it('credit larger than the next statement pays it in full and keeps the rest', () => {
    const feb = receivable('2026-02', '100.00', '2026-03-15');
    const l = allocatePayments([feb], [payment('P0', '2026-01-20', '30.00'), payment('P1', '2026-01-25', '90.00')]);
    // Credit 120.00 before Feb arrives (03-01); P0's 30.00 is used first, then 70.00 of P1; 20.00 credit left.
    expect(points(l.get('2026-02#v1')!.changes)).toEqual([['2026-03-01', '0.00']]);
    expect(l.get('2026-02#v1')!.allocations.map((a) => [a.reference, a.amount.toFixed(2)])).toEqual([['P0', '30.00'], ['P1', '70.00']]);
    expect(l.credit.toFixed(2)).toBe('20.00');
  });

  it('ignores a re-delivered payment, refuses a conflicting one, leaves another currency unapplied', () => {
    const feb = receivable('2026-02', '1000.00', '2026-03-15');
    const p = payment('P1', '2026-03-10', '400.00');
    const l = allocatePayments([feb], [p, { ...p }, payment('P9', '2026-03-11', '50.00', { currency: 'USD' })]);
    expect(l.get('2026-02#v1')!.outstandingOn('2026-03-31').toFixed(2)).toBe('600.00');
    expect(l.unapplied.map((u) => [u.payment.reference, u.reason])).toEqual([['P9', "currency USD is not the statements' CNY"]]);
    expect(() => allocatePayments([feb], [p, { ...p, amount: '401.00' }])).toThrow('payment P1: reference given twice with different details');
  });

  it('refuses two versions of one period, another customer, and bad amounts', () => {
    const v1 = receivable('2026-02', '1000.00', '2026-03-15');
    expect(() => allocatePayments([v1, { ...v1, key: '2026-02#v2' }], [])).toThrow(/period 2026-02 given twice \(pass only the current version\)/);
    expect(() => allocatePayments([v1, { ...receivable('2026-03', '1.00', '2026-04-15'), customerId: 'X' }], [])).toThrow(/customer X is not C-1001/);
    expect(() => allocatePayments([v1], [payment('P', '2026-03-01', '0.00')])).toThrow('payment P: amount "0.00" is not an amount > 0');
    expect(() => allocatePayments([{ ...v1, total: '-5.00' }], [])).toThrow(/total "-5.00" is not an amount ≥ 0/);
  });
});
