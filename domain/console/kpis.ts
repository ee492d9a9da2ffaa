import type { Decimal } from 'decimal.js';
import { Dec } from '../billing/decimal.ts';
import { allocatePayments, type PaymentIn, type Receivable } from '../arrears/ledger.ts';
import type { Customer } from '../customers/customer-master.ts';
import type { StoredStatement } from '../use-cases/statement-ports.ts';
import { nextDay } from '../time/zone.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import { canRead, type Caller } from './caller.ts';
import { scopeOf } from './tasks.ts';
import { Invalid, type ConsolePorts, type SuppressionRecord, type Task } from './ports.ts';

/**
 * Staff assessment for a month `P` (yyyy-mm, local days P-01 … P-last), per account manager and per region. A
 * customer counts for its current account manager and region (the customer master's), and only customers the caller
 * may see count at all: a manager gets their own row, a supervisor the managers' rows over their regions' customers
 * and those regions' rows, an operator everything. Nothing after `asOf` (today) counts.
 *
 * - **Statements delivered on time**: every statement version issued in P (`issuedOn` in P) counts as issued; it is on
 *   time when its email was sent (`email.state` = sent, `email.at` its sending instant) on a local day no later than
 *   `issuedOn` + STATEMENT_GRACE_DAYS — the customer then has the full term until the due date (a send an operator
 *   confirmed later, `kam resolve`, keeps the time of the attempt). Share = on time ÷ issued.
 * - **Notices acted on**: tasks created by a notice (phone calls at the formal notice) whose due day is in P; acted on
 *   when closed (any outcome) on or before the due day. Share = acted on ÷ due.
 * - **Arrears recovered within 30 days**: statements (current version) whose due date is in P and that were still
 *   owed at the end of the due date: overdue = outstanding at the end of the due date; recovered = overdue − outstanding
 *   at the end of min(due date + 30, asOf), with payments allocated oldest statement first (ledger.ts). Amounts in the
 *   statements' currency (one per utility); share = recovered ÷ overdue.
 * - **Playbook actions taken**: tasks from a segment playbook action closed (any outcome) on a day in P.
 * - **Customers contacted**: distinct customers with a task closed on a day in P whose outcome shows the customer was
 *   reached: `reached`, `promise-to-pay` or `dispute` (not `not-reached`).
 * - **Bounces / complaints**: address suppressions (SES permanent bounces and complaints, handle-ses-feedback.ts)
 *   recorded on a day in P; each counts once for each manager (and region) with a customer using that address.
 * Shares are ratios rounded to 4 decimals, null when nothing was due.
 */

/** Days after the statement date by which its email counts as delivered on time. */
export const STATEMENT_GRACE_DAYS = 1;
/** The recovery window after a due date. */
export const RECOVERY_DAYS = 30;

export interface KpiFigures {
  statements: { issued: number; onTime: number; share: number | null };
  notices: { due: number; actedOn: number; share: number | null };
  arrears: { statements: number; overdue: string; recovered: string; share: number | null; currency: string | null };
  playbookActionsTaken: number;
  customersContacted: number;
  feedback: { bounces: number; complaints: number };
}

export interface KpiReport {
  period: string;
  asOf: string;
  managers: { manager: string; customers: number; figures: KpiFigures }[];
  regions: { region: string; customers: number; figures: KpiFigures }[];
}

export interface KpiInput {
  period: string;
  asOf: string;
  customers: readonly Customer[];
  statements: ReadonlyMap<string, readonly StoredStatement[]>;
  tasks: readonly Task[];
  receivables: ReadonlyMap<string, readonly Receivable[]>;
  payments: ReadonlyMap<string, readonly PaymentIn[]>;
  suppressions: readonly SuppressionRecord[];
  dayOf: (at: Date) => string;
  /** Whether to give region rows (supervisors and operators). */
  regions: boolean;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export function periodDays(period: string): { from: string; to: string } {
  if (!PERIOD.test(period)) throw new Invalid(`period "${period}" is not yyyy-mm`);
  const [y, m] = period.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { from: `${period}-01`, to: nextDay(next, -1) };
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);

/** The figures of one group of customers (a manager's, a region's). */
function figuresOf(input: KpiInput, ids: ReadonlySet<string>): KpiFigures {
  const { from, to } = periodDays(input.period);
  const inP = (d: string) => d >= from && d <= to && d <= input.asOf;

  let issued = 0;
  let onTime = 0;
  for (const id of ids) {
    for (const s of input.statements.get(id) ?? []) {
      if (!inP(s.issuedOn)) continue;
      issued++;
      if (s.email.state === 'sent' && s.email.at && input.dayOf(new Date(s.email.at)) <= nextDay(s.issuedOn, STATEMENT_GRACE_DAYS)) onTime++;
    }
  }

  const mine = input.tasks.filter((t) => ids.has(t.customerId));
  const noticeDue = mine.filter((t) => t.source.kind === 'notice' && inP(t.dueOn));
  const actedOn = noticeDue.filter((t) => t.closed && t.closed.closedOn <= t.dueOn).length;
  const closedInP = mine.filter((t) => t.closed && inP(t.closed.closedOn));
  const playbookActionsTaken = closedInP.filter((t) => t.source.kind === 'playbook').length;
  const contacted = new Set(closedInP.filter((t) => t.closed!.outcome.kind !== 'not-reached').map((t) => t.customerId));

  let overdue: Decimal = new Dec(0);
  let recovered: Decimal = new Dec(0);
  let owedStatements = 0;
  let currency: string | null = null;
  for (const id of ids) {
    const receivables = input.receivables.get(id) ?? [];
    for (const r of receivables) {
      if (!inP(r.dueDate)) continue;
      const end = nextDay(r.dueDate, RECOVERY_DAYS) < input.asOf ? nextDay(r.dueDate, RECOVERY_DAYS) : input.asOf;
      const ledger = allocatePayments(receivables, (input.payments.get(id) ?? []).filter((p) => p.paidOn <= end)).get(r.key)!;
      const owed = ledger.outstandingOn(r.dueDate);
      if (!owed.gt(0)) continue;
      owedStatements++;
      currency ??= r.currency;
      overdue = overdue.plus(owed);
      recovered = recovered.plus(owed.minus(ledger.outstandingOn(end)));
    }
  }

  const feedback = { bounces: 0, complaints: 0 };
  for (const s of input.suppressions) {
    if (!inP(input.dayOf(new Date(s.at))) || !s.customerIds.some((c) => ids.has(c))) continue;
    if (s.reason === 'bounce') feedback.bounces++;
    else feedback.complaints++;
  }

  return {
    statements: { issued, onTime, share: ratio(onTime, issued) },
    notices: { due: noticeDue.length, actedOn, share: ratio(actedOn, noticeDue.length) },
    arrears: {
      statements: owedStatements,
      overdue: overdue.toFixed(2),
      recovered: recovered.toFixed(2),
      share: overdue.gt(0) ? recovered.div(overdue).toDecimalPlaces(4).toNumber() : null,
      currency,
    },
    playbookActionsTaken,
    customersContacted: contacted.size,
    feedback,
  };
}

/** The KPI report of the given data: one row per manager and (when asked) per region, sorted by name. */
export function computeKpis(input: KpiInput): KpiReport {
  const groups = (keyOf: (c: Customer) => string) => {
    const m = new Map<string, Set<string>>();
    for (const c of input.customers) {
      const k = keyOf(c);
      const set = m.get(k) ?? new Set<string>();
      set.add(c.customerId);
      m.set(k, set);
    }
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  };
  return {
    period: input.period,
    asOf: input.asOf,
    managers: groups((c) => c.accountManagerEmail.trim().toLowerCase()).map(([manager, ids]) => ({ manager, customers: ids.size, figures: figuresOf(input, ids) })),
    regions: input.regions ? groups((c) => c.region).map(([region, ids]) => ({ region, customers: ids.size, figures: figuresOf(input, ids) })) : [],
  };
}

/** The caller's KPI report for a month, from the stores. */
export function kpis(ports: Pick<ConsolePorts, 'customers' | 'console' | 'arrears' | 'payments' | 'statements' | 'clock' | 'dayOf'>) {
  return async (caller: Caller, period: string): Promise<KpiReport> => {
    const { from, to } = periodDays(period);
    const customers = (await ports.customers.all()).filter((c) => canRead(caller, scopeOf(c)));
    const statements = new Map<string, StoredStatement[]>();
    const receivables = new Map<string, Receivable[]>();
    const payments = new Map<string, PaymentIn[]>();
    const tasks: Task[] = [];
    await mapConcurrent(customers, 8, async (c) => {
      const [s, r, p, t] = await Promise.all([
        ports.statements.history(c.customerId),
        ports.arrears.receivables(c.customerId),
        ports.payments.forCustomer(c.customerId),
        ports.console.tasksOf(c.customerId),
      ]);
      statements.set(c.customerId, s);
      receivables.set(c.customerId, r);
      payments.set(c.customerId, p);
      tasks.push(...t);
    });
    return computeKpis({
      period,
      asOf: ports.dayOf(ports.clock()),
      customers,
      statements,
      tasks,
      receivables,
      payments,
      suppressions: await ports.console.suppressions(from, to),
      dayOf: ports.dayOf,
      regions: caller.groups.includes('supervisors') || caller.groups.includes('operators'),
    });
  };
}
