import type { Decimal } from 'decimal.js';
import { Dec, money, ZERO } from '../billing/decimal.ts';
import { nextDay } from '../time/zone.ts';

/**
 * A customer's receivables (statements) and payments as balances over time: payments go to the OLDEST open statement
 * first (due date, then period), each on its paid day; what is left over is a credit that later statements take as
 * they arrive. Money is Decimal, rounded half-up to 0.01 on the way in; late-payment charges are not receivables
 * here (see `late-charge.ts`).
 */

/** A statement as a receivable: only the current version of each period (a correction replaces the earlier one). */
export interface Receivable {
  /** `period#vN`. */
  key: string;
  customerId: string;
  /** `yyyy-mm`. */
  period: string;
  total: string;
  dueDate: string;
  currency: string;
  /**
   * The day the statement arrived (its issue day): credit is applied to it on this day, and payments can reach it
   * from this day on. Default: the first day after the period's month (the scheduled run after the period closes),
   * or the due date when that is earlier.
   */
  issuedOn?: string;
  /**
   * False when the statement's email has not been sent (failed, unknown, suppressed, never sent): it is owed all the
   * same (payments apply to it), but no arrears notice may follow a statement the customer never received.
   */
  delivered?: boolean;
}

/** A payment; `domain/payments/payment-file.ts` Payment fits. */
export interface PaymentIn {
  reference: string;
  customerId: string;
  paidOn: string;
  amount: string;
  currency: string;
}

export interface BalanceChange {
  day: string;
  /** The balance at the end of `day` (after everything applied that day). */
  balance: Decimal;
}

export interface Allocation {
  /** The payment the money came from. */
  reference: string;
  /** The day it was applied (the paid day, or the statement's arrival day for credit). */
  day: string;
  amount: Decimal;
  /** True when the money had been credit (an earlier overpayment) before this statement arrived. */
  fromCredit: boolean;
}

export interface ReceivableLedger {
  receivable: Receivable;
  total: Decimal;
  arrivesOn: string;
  /** Change points of the balance, in day order; the first is the arrival day. */
  changes: BalanceChange[];
  allocations: Allocation[];
  /** Outstanding at the end of `day` (0 before the statement arrived). */
  outstandingOn(day: string): Decimal;
  /** Outstanding at the start of `day`, i.e. before that day's payments (= outstandingOn of the day before). */
  balanceAtStartOf(day: string): Decimal;
}

export interface CustomerLedger {
  customerId: string;
  currency: string;
  /** Oldest first: due date, then period. */
  receivables: ReceivableLedger[];
  get(key: string): ReceivableLedger | undefined;
  /** The customer's credit after every payment and statement given. */
  credit: Decimal;
  creditChanges: BalanceChange[];
  /** Credit at the end of `day`. */
  creditOn(day: string): Decimal;
  /** Payments not applied, with the reason (another currency). */
  unapplied: { payment: PaymentIn; reason: string }[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const AMOUNT = /^-?\d+(\.\d+)?$/;

/** The first day after the month `yyyy-mm`. */
export function dayAfterPeriod(period: string): string {
  const y = Number(period.slice(0, 4));
  const m = Number(period.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

export function compareReceivables(a: Receivable, b: Receivable): number {
  return cmp(a.dueDate, b.dueDate) || cmp(a.period, b.period) || cmp(a.key, b.key);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function valueAt(changes: readonly BalanceChange[], day: string): Decimal {
  // Last change on or before `day`; lists are short (a few per statement).
  let v: Decimal = ZERO;
  for (const c of changes) {
    if (c.day > day) break;
    v = c.balance;
  }
  return v;
}

export function allocatePayments(receivables: readonly Receivable[], payments: readonly PaymentIn[]): CustomerLedger {
  const customerId = receivables[0]?.customerId ?? payments[0]?.customerId ?? '';
  const currency = receivables[0]?.currency ?? payments[0]?.currency ?? '';
  const keys = new Set<string>();
  const periods = new Set<string>();
  for (const r of receivables) {
    const what = `receivable ${r.key}`;
    if (r.customerId !== customerId) throw new Error(`${what}: customer ${r.customerId} is not ${customerId} (one customer at a time)`);
    if (r.currency !== currency) throw new Error(`${what}: currency ${r.currency} differs from ${currency}`);
    if (keys.has(r.key)) throw new Error(`${what}: key given twice`);
    if (periods.has(r.period)) throw new Error(`${what}: period ${r.period} given twice (pass only the current version)`);
    if (!PERIOD.test(r.period)) throw new Error(`${what}: period "${r.period}" is not yyyy-mm`);
    if (!DAY.test(r.dueDate)) throw new Error(`${what}: due date "${r.dueDate}" is not yyyy-mm-dd`);
    if (r.issuedOn !== undefined && !DAY.test(r.issuedOn)) throw new Error(`${what}: issue day "${r.issuedOn}" is not yyyy-mm-dd`);
    if (!AMOUNT.test(r.total) || new Dec(r.total).isNegative()) throw new Error(`${what}: total "${r.total}" is not an amount ≥ 0`);
    keys.add(r.key);
    periods.add(r.period);
  }

  const unapplied: CustomerLedger['unapplied'] = [];
  const seen = new Map<string, PaymentIn>();
  const accepted: PaymentIn[] = [];
  for (const p of payments) {
    const what = `payment ${p.reference}`;
    if (p.customerId !== customerId) throw new Error(`${what}: customer ${p.customerId} is not ${customerId} (one customer at a time)`);
    if (!DAY.test(p.paidOn)) throw new Error(`${what}: paid day "${p.paidOn}" is not yyyy-mm-dd`);
    if (!AMOUNT.test(p.amount) || !new Dec(p.amount).gt(0)) {
      throw new Error(`${what}: amount "${p.amount}" is not an amount > 0`);
    }
    const before = seen.get(p.reference);
    if (before) {
      // A re-delivered payment is the same payment; a different one under the same reference is an error upstream.
      if (before.paidOn === p.paidOn && new Dec(before.amount).eq(p.amount) && before.currency === p.currency) continue;
      throw new Error(`${what}: reference given twice with different details`);
    }
    seen.set(p.reference, p);
    if (p.currency !== currency) {
      unapplied.push({ payment: p, reason: `currency ${p.currency} is not the statements' ${currency}` });
      continue;
    }
    accepted.push(p);
  }

  interface Open {
    r: Receivable;
    arrivesOn: string;
    total: Decimal;
    balance: Decimal;
    changes: BalanceChange[];
    allocations: Allocation[];
  }
  const open: Open[] = [...receivables].sort(compareReceivables).map((r) => {
    const byPeriod = dayAfterPeriod(r.period);
    const arrivesOn = r.issuedOn ?? (r.dueDate < byPeriod ? r.dueDate : byPeriod);
    const total = money(new Dec(r.total));
    return { r, arrivesOn, total, balance: total, changes: [], allocations: [] };
  });

  // Credit as a queue of what is left of each overpaying payment, so allocations name their source.
  const creditQueue: { reference: string; amount: Decimal }[] = [];
  const creditChanges: BalanceChange[] = [];
  const creditTotal = (): Decimal => creditQueue.reduce((s, c) => s.plus(c.amount), ZERO as Decimal);

  const days = [...new Set([...open.map((o) => o.arrivesOn), ...accepted.map((p) => p.paidOn)])].sort();
  for (const day of days) {
    const touched = new Set<Open>();
    const creditBefore = creditTotal();
    // 1. Statements arriving today take the credit, oldest first.
    for (const o of open) {
      if (o.arrivesOn !== day) continue;
      touched.add(o);
      while (o.balance.gt(0) && creditQueue.length) {
        const c = creditQueue[0]!;
        const take = Dec.min(c.amount, o.balance);
        o.balance = o.balance.minus(take);
        c.amount = c.amount.minus(take);
        o.allocations.push({ reference: c.reference, day, amount: take, fromCredit: true });
        if (c.amount.isZero()) creditQueue.shift();
      }
    }
    // 2. Today's payments (by reference, for a stable record) to the oldest open statement that has arrived.
    const todays = accepted.filter((p) => p.paidOn === day).sort((a, b) => cmp(a.reference, b.reference));
    for (const p of todays) {
      let left = money(new Dec(p.amount));
      for (const o of open) {
        if (left.isZero()) break;
        if (o.arrivesOn > day || o.balance.lte(0)) continue;
        const take = Dec.min(left, o.balance);
        o.balance = o.balance.minus(take);
        left = left.minus(take);
        o.allocations.push({ reference: p.reference, day, amount: take, fromCredit: false });
        touched.add(o);
      }
      if (left.gt(0)) creditQueue.push({ reference: p.reference, amount: left });
    }
    for (const o of touched) o.changes.push({ day, balance: o.balance });
    const creditAfter = creditTotal();
    if (!creditAfter.eq(creditBefore)) creditChanges.push({ day, balance: creditAfter });
  }

  const ledgers: ReceivableLedger[] = open.map((o) => ({
    receivable: o.r,
    total: o.total,
    arrivesOn: o.arrivesOn,
    changes: o.changes,
    allocations: o.allocations,
    outstandingOn: (day: string) => valueAt(o.changes, day),
    balanceAtStartOf: (day: string) => valueAt(o.changes, nextDay(day, -1)),
  }));
  const byKey = new Map(ledgers.map((l) => [l.receivable.key, l]));
  return {
    customerId,
    currency,
    receivables: ledgers,
    get: (key) => byKey.get(key),
    credit: creditTotal(),
    creditChanges,
    creditOn: (day) => valueAt(creditChanges, day),
    unapplied,
  };
}
