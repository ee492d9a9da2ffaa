import type { Hold } from '../../../../domain/arrears/decide.ts';
import type { Receivable } from '../../../../domain/arrears/ledger.ts';
import type { ArrearsStore, NoticeJob, StoredNotice } from '../../../../domain/use-cases/arrears-ports.ts';
import type { Customer } from '../../../../domain/customers/customer-master.ts';
import type { Payment } from '../../../../domain/payments/payment-file.ts';
import type { PaymentStore } from '../../../../domain/use-cases/ports.ts';
import { memoryOutbox } from './memory-outbox.ts';

export const CUSTOMER: Customer = {
  customerId: 'C1', name: 'Acme Steel', email: 'c1@example.com', locale: 'en', region: 'east', tariffId: 't',
  contractKva: 500, contractKw: 400, accountManagerEmail: 'am@example.com', pfStandard: 0.9, meterIds: ['C1'], basicChargeMode: null,
};

const key = (j: NoticeJob) => `${j.customerId}|${j.statementKey}|${j.stage}`;

/** An in-memory ArrearsStore with the conditional outbox rules of the DynamoDB one. */
export function memoryArrears(receivables: Receivable[]): ArrearsStore & { items: Map<string, StoredNotice>; receivableList: Receivable[]; tasks_: unknown[] } {
  const items = new Map<string, StoredNotice>();
  const tasks_: { day: string; kind: string; statementKey: string; assignee: string; note: string }[] = [];
  const holds: Hold[] = [];
  const get = (j: NoticeJob) => {
    const n = items.get(key(j));
    if (!n) throw new Error(`no notice ${key(j)}`);
    return n;
  };
  return {
    items,
    receivableList: receivables,
    tasks_,
    receivables: async (c) => structuredClone(receivables.filter((r) => r.customerId === c)),
    notices: async (c) => structuredClone([...items.values()].filter((n) => n.customerId === c)),
    notice: async (j) => structuredClone(items.get(key(j))),
    createNotice: async (n) => (items.has(key(n)) ? 'exists' : (items.set(key(n), structuredClone(n)), 'created')),
    claimNotice: async (j, now, lease) => memoryOutbox.claim(get(j), now, lease),
    markNotice: async (j, email, lease) => memoryOutbox.mark(get(j), email, lease),
    cancelNotice: async (j, email) => memoryOutbox.cancel(get(j), email),
    resolveNotice: async (j, to, d) => memoryOutbox.resolve(get(j), to, { resolvedBy: d.by, ...(d.messageId ? { messageId: d.messageId } : {}) }),
    holds: async () => holds,
    putHold: async (_c, h) => void holds.push(h),
    releaseHolds: async () => 0,
    addTask: async (_c, t) => void tasks_.push(t),
    tasks: async () => tasks_,
  };
}

export function memoryPayments(): PaymentStore & { add(p: Omit<Payment, 'customerId' | 'paidAt' | 'currency'> & Partial<Payment>): void } {
  const list: Payment[] = [];
  return {
    add: (p) => void list.push({ customerId: 'C1', currency: 'CNY', paidAt: `${p.paidOn}T10:00:00+08:00`, ...p }),
    record: async () => ({ recorded: 0, duplicates: 0, conflicts: [] }),
    forCustomer: async (c) => list.filter((p) => p.customerId === c),
  };
}
