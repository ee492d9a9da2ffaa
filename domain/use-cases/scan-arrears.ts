import { Decimal } from 'decimal.js';
import { decideNotices, type SentNotice } from '../arrears/decide.ts';
import { allocatePayments } from '../arrears/ledger.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import type { ArrearsPolicy } from '../arrears/policy.ts';
import type { Tier } from '../classification/tier.ts';
import type { Customer } from '../customers/customer-master.ts';
import type { ArrearsStore, NoticeJob, StoredNotice } from './arrears-ports.ts';
import type { PaymentStore } from './ports.ts';
import type { JobQueue } from './run-statements.ts';

export interface ScanPorts {
  customers: { all(): Promise<Customer[]>; get(id: string): Promise<(Customer & { segment?: { tier: Tier } }) | undefined> };
  payments: PaymentStore;
  arrears: ArrearsStore;
  queue: JobQueue<NoticeJob>;
  clock: () => Date;
}

/** A pending notice older than this was probably lost between the scan and the queue: queue it again. */
const REQUEUE_AFTER_MS = 60 * 60_000;

/**
 * The daily arrears scan: for each customer, the notices due on `asOf` under the policy (a stage only after the one
 * before it, each at most once), each recorded before one message per notice goes on the notice queue. Running it
 * twice on a day queues nothing new: the second run finds every stage already decided. Overdue statements whose
 * email was never delivered start no ladder and are counted as `undelivered`.
 */
export function scanArrears(ports: ScanPorts, policy: ArrearsPolicy) {
  return async (
    asOf: string,
  ): Promise<{ customers: number; decided: number; queued: number; byStage: Record<string, number>; overdue: number; undelivered: number; outstanding: string }> => {
    const jobs: NoticeJob[] = [];
    let overdue = 0;
    let undelivered = 0;
    let outstanding = new Decimal(0);
    const byStage: Record<string, number> = {};
    let decided = 0;
    const customers = await ports.customers.all();
    // Customers are independent: a few at a time (reads dominate; each notice is still created conditionally).
    await mapConcurrent(customers, 8, async (c) => {
      const receivables = await ports.arrears.receivables(c.customerId);
      if (receivables.length === 0) return;
      const [payments, stored, holds, profile] = await Promise.all([
        ports.payments.forCustomer(c.customerId),
        ports.arrears.notices(c.customerId),
        ports.arrears.holds(c.customerId),
        ports.customers.get(c.customerId),
      ]);
      // Only notices that went out count: a pending, failed or unknown one holds its stage (it is never decided twice),
      // so the next stage cannot follow a notice that never reached anyone. The ladder counts from the day each was
      // actually sent, with the disconnection date it stated (records from before sentOn was kept: the decided day).
      const sent: SentNotice[] = stored
        .filter((n) => n.email.state === 'sent')
        .map((n) => {
          const disconnectionDate = n.email.disconnectionDate ?? n.disconnectionDate;
          return { statementKey: n.statementKey, stage: n.stage, sentOn: n.email.sentOn ?? n.decidedOn, ...(disconnectionDate ? { disconnectionDate } : {}) };
        });
      for (const r of allocatePayments(receivables, payments.filter((p) => p.paidOn <= asOf)).receivables) {
        const owed = r.outstandingOn(asOf);
        if (r.receivable.dueDate < asOf && owed.gt(0)) {
          overdue++;
          outstanding = outstanding.plus(owed);
          // Overdue but never received: no notice follows (decide.ts); counted so the operator sees it.
          if (r.receivable.delivered === false) undelivered++;
        }
      }
      const decisions = decideNotices({
        customerId: c.customerId,
        // A customer not classified yet is treated as tier C (the shortest ladder still keeps the legal notice days).
        tier: profile?.segment?.tier ?? 'C',
        asOf,
        receivables,
        payments,
        notices: sent,
        holds,
        policy,
      });
      const now = ports.clock();
      for (const d of decisions) {
        const notice: StoredNotice = { ...d, decidedOn: asOf, decidedAt: now.toISOString(), email: { state: 'pending' } };
        const job = { customerId: d.customerId, statementKey: d.statementKey, stage: d.stage };
        if ((await ports.arrears.createNotice(notice)) === 'created') {
          decided++;
          byStage[d.stage] = (byStage[d.stage] ?? 0) + 1;
          jobs.push(job);
        }
      }
      for (const n of stored) {
        if (n.email.state === 'pending' && now.getTime() - Date.parse(n.decidedAt) > REQUEUE_AFTER_MS) {
          jobs.push({ customerId: n.customerId, statementKey: n.statementKey, stage: n.stage });
        }
      }
    });
    if (jobs.length) await ports.queue.enqueue(jobs);
    return { customers: customers.length, decided, queued: jobs.length, byStage, overdue, undelivered, outstanding: outstanding.toFixed(2) };
  };
}
