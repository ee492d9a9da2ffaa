import type { PaymentIn, Receivable } from '../../../../domain/arrears/ledger.ts';

export const CUSTOMER = 'C-1001';

export function receivable(period: string, total: string, dueDate: string, extra: Partial<Receivable> = {}): Receivable {
  return { key: `${period}#v1`, customerId: CUSTOMER, period, total, dueDate, currency: 'CNY', ...extra };
}

export function payment(reference: string, paidOn: string, amount: string, extra: Partial<PaymentIn> = {}): PaymentIn {
  return { reference, customerId: CUSTOMER, paidOn, amount, currency: 'CNY', ...extra };
}
