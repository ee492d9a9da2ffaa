import { describeNextStep } from '../arrears/decide.ts';
import { lateCharge } from '../arrears/late-charge.ts';
import { allocatePayments } from '../arrears/ledger.ts';
import type { ArrearsPolicy } from '../arrears/policy.ts';
import type { Customer } from '../customers/customer-master.ts';
import { renderNotice } from '../notices/render-notice.ts';
import type { ArrearsStore, NoticeJob } from './arrears-ports.ts';
import type { Mailer, SuppressionList } from './mail-ports.ts';
import type { PaymentStore } from './ports.ts';

export type NoticeOutcome = 'sent' | 'already-sent' | 'cancelled-paid' | 'suppressed' | 'busy' | 'unknown';

/**
 * Sends one decided notice, exactly once, as proof of notice. Payments are read again first: a notice whose
 * statement was paid in full since the scan is cancelled; a partial payment updates the amount and late charge.
 * From the formal notice on, the account manager is copied, and a phone-call task is created at the formal notice.
 * The disconnection request goes to the account manager for a human decision.
 */
export function sendNotice(
  ports: {
    customers: { get(id: string): Promise<Customer | undefined> };
    payments: PaymentStore;
    arrears: ArrearsStore;
    mailer: Mailer;
    suppressions: SuppressionList;
    clock: () => Date;
    today: () => string;
  },
  policy: ArrearsPolicy,
  leaseMs: number,
) {
  return async (job: NoticeJob): Promise<NoticeOutcome> => {
    const [notice, customer] = await Promise.all([ports.arrears.notice(job), ports.customers.get(job.customerId)]);
    if (!notice || !customer) return 'unknown';
    if (notice.email.state === 'sent') return 'already-sent';
    if (notice.email.state === 'cancelled') return 'cancelled-paid';

    // Payments recorded by now count (one may have arrived since the scan); the notice's figures are as of its day.
    const today = ports.today() > notice.decidedOn ? ports.today() : notice.decidedOn;
    const asOf = notice.decidedOn;
    const [receivables, payments] = await Promise.all([ports.arrears.receivables(job.customerId), ports.payments.forCustomer(job.customerId)]);
    const ledger = allocatePayments(receivables, payments.filter((p) => p.paidOn <= today)).get(job.statementKey);
    const outstanding = ledger ? ledger.outstandingOn(today) : null;
    if (outstanding !== null && outstanding.lte(0)) {
      await ports.arrears.recordNotice(job, { state: 'cancelled', at: ports.clock().toISOString() });
      return 'cancelled-paid';
    }
    const claim = await ports.arrears.claimNotice(job, ports.clock(), leaseMs);
    if (claim === 'sent') return 'already-sent';
    if (claim !== 'claimed') return claim;

    const amountDue = outstanding ? outstanding.toFixed(2) : notice.amountDue;
    const late = ledger ? lateCharge({ receivable: ledger.receivable, balanceOn: (d) => ledger.balanceAtStartOf(d), asOf, policy }).amount : notice.lateChargeSoFar;
    const request = notice.stage === 'disconnection-request';
    const locale = request ? 'zh-CN' : customer.locale;
    const content = {
      customerId: customer.customerId,
      customerName: customer.name,
      stage: notice.stage,
      period: notice.period,
      statementKey: notice.statementKey,
      currency: notice.currency,
      amountDue,
      dueDate: notice.dueDate,
      lateCharge: late,
      nextStep: describeNextStep({ ...notice, amountDue }, locale),
      ...(notice.disconnectionDate ? { disconnectionDate: notice.disconnectionDate } : {}),
      accountManagerEmail: customer.accountManagerEmail,
    };
    const to = request ? [customer.accountManagerEmail] : [customer.email];
    const cc = !request && notice.copyManager ? [customer.accountManagerEmail] : [];
    if (!request && (await ports.suppressions.isSuppressed(customer.email))) {
      // The address bounced: the notice cannot reach the customer by email; the manager gets it to deliver otherwise.
      to.splice(0, 1, customer.accountManagerEmail);
      cc.length = 0;
    }
    let messageId: string;
    try {
      messageId = await ports.mailer.send({ ...renderNotice(content, locale), to, cc, tags: { kind: `notice-${notice.stage}`, customer: customer.customerId } });
    } catch (err) {
      await ports.arrears.recordNotice(job, { state: 'failed', at: ports.clock().toISOString(), error: (err as Error).message });
      throw err;
    }
    await ports.arrears.recordNotice(job, { state: 'sent', messageId, at: ports.clock().toISOString(), to, cc, amountDue, lateCharge: late });
    if (notice.phoneTask) {
      await ports.arrears.addTask(customer.customerId, {
        day: notice.decidedOn,
        kind: 'phone-call',
        statementKey: notice.statementKey,
        assignee: customer.accountManagerEmail,
        note: `Call ${customer.customerId} about ${notice.period}: ${notice.currency} ${amountDue} overdue since ${notice.dueDate} (formal notice of ${notice.decidedOn}).`,
      });
    }
    return 'sent';
  };
}
