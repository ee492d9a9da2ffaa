import { describe, expect, it } from 'vitest';
import { PaymentFileParser } from '../../../../domain/payments/payment-file.ts';

function parse(lines: string[]) {
  const p = new PaymentFileParser({ timeZone: 'Asia/Shanghai', knownCustomer: (id) => id === 'C1' || id === 'C2' });
  lines.forEach((l, i) => p.line(l, i + 1));
  p.end();
  return p;
}
const HEADER = 'customer_id,paid_at,amount,currency,reference';

describe('PaymentFileParser', () => {
  it('reads payments, with the local day of the payment time', () => {
    const p = parse([HEADER, 'C1,2026-10-08T23:30:00Z,1000.5,cny,R1', 'C2,2026-10-09,"1,234.00",CNY,R2']);
    expect(p.rejects).toEqual([]);
    expect(p.payments).toEqual([
      // 23:30 UTC is 07:30 the next day in Shanghai.
      { reference: 'R1', customerId: 'C1', paidOn: '2026-10-09', paidAt: '2026-10-08T23:30:00.000Z', amount: '1000.50', currency: 'CNY' },
      { reference: 'R2', customerId: 'C2', paidOn: '2026-10-09', paidAt: '2026-10-08T16:00:00.000Z', amount: '1234.00', currency: 'CNY' },
    ]);
  });

  it('rejects bad rows by line with the reason and keeps the good ones', () => {
    const p = parse([
      HEADER,
      'C9,2026-10-08,100,CNY,R1', // 2 unknown customer
      'C1,2026-10-08,-5,CNY,R2', // 3 not positive
      'C1,2026-10-08,1.234,CNY,R3', // 4 three decimals
      'C1,yesterday,100,CNY,R4', // 5 bad date
      'C1,2026-10-08,100,CNY,', // 6 no reference
      'C1,2026-10-08,100,CNY,R5', // 7 good
      'C1,2026-10-08,100,CNY,R5', // 8 exact repeat: ignored
      'C1,2026-10-08,200,CNY,R5', // 9 same reference, other amount
    ]);
    expect(p.rejects).toEqual([
      { line: 2, reason: 'unknown customer C9' },
      { line: 3, reason: 'amount "-5" is not a positive amount with at most 2 decimals' },
      { line: 4, reason: 'amount "1.234" is not a positive amount with at most 2 decimals' },
      { line: 5, reason: 'paid_at "yesterday" is not a date or ISO-8601 time' },
      { line: 6, reason: 'reference is empty' },
      { line: 9, reason: 'reference R5 appears again with different details (first at line 7)' },
    ]);
    expect(p.payments.map((x) => x.reference)).toEqual(['R5']);
    expect(p.lineOf.get('R5')).toBe(7);
  });

  it('names the missing header columns', () => {
    expect(() => parse(['customer_id,amount'])).toThrow(/missing column\(s\) paid_at, currency, reference/);
  });
});
