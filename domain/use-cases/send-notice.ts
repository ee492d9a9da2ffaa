import { datesWhenSent, describeNextStep } from '../arrears/decide.ts';
import { lateCharge } from '../arrears/late-charge.ts';
import { allocatePayments } from '../arrears/ledger.ts';
import type { ArrearsPolicy } from '../arrears/policy.ts';
import type { Customer } from '../customers/customer-master.ts';
import { renderNotice } from '../notices/render-notice.ts';
import { DUE_DAYS } from '../console/tasks.ts';
import { nextDay } from '../time/zone.ts';
import type { ArrearsStore, NoticeJob, NoticeState, StoredNotice } from './arrears-ports.ts';
import { leaseUntil, MailOutcomeUnknownError, type Mailer, type SuppressionList } from './mail-ports.ts';
import type { PaymentStore } from './ports.ts';

export type NoticeOutcome = 'sent' | 'already-sent' | 'cancelled-paid' | 'cancelled-superseded' | 'delivery-unknown' | 'busy' | 'unknown';

/**
 * Sends one decided notice, exactly once, as proof of notice. Statement and payments are read again first: a notice
 * whose statement was superseded by a newer version of its period, or paid in full since the scan, is cancelled; a
 * partial payment updates the amount and late charge. Amounts and dates are those of the day it is actually sent
 * (a retried or redriven notice restates its disconnection date and next step from that day).
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
  /** What a record already past the point of sending means for this job. */
  const settled = (n: StoredNotice | undefined): NoticeOutcome | undefined => {
    const state: NoticeState | undefined = n?.email.state;
    if (state === 'sent') return 'already-sent';
    if (state === 'cancelled') return n!.email.reason === 'superseded' ? 'cancelled-superseded' : 'cancelled-paid';
    if (state === 'unknown') return 'delivery-unknown';
    return undefined;
  };

  return async (job: NoticeJob): Promise<NoticeOutcome> => {
    const [notice, customer] = await Promise.all([ports.arrears.notice(job), ports.customers.get(job.customerId)]);
    if (!notice || !customer) return 'unknown';
    const done = settled(notice);
    if (done) return done;

    // The notice is dated the day it goes out (never before the scan that decided it).
    const sentOn = ports.today() > notice.decidedOn ? ports.today() : notice.decidedOn;
    const [receivables, payments] = await Promise.all([ports.arrears.receivables(job.customerId), ports.payments.forCustomer(job.customerId)]);
    // Cancelling is conditional: when it fails, another delivery of this job got further (sent it, or is sending).
    const cancel = async (reason: 'paid' | 'superseded'): Promise<NoticeOutcome> => {
      if (await ports.arrears.cancelNotice(job, { state: 'cancelled', reason, at: ports.clock().toISOString() })) return reason === 'paid' ? 'cancelled-paid' : 'cancelled-superseded';
      return settled(await ports.arrears.notice(job)) ?? 'busy';
    };
    // Only the current version of a period is owed: a notice about an older one would state the old amount.
    if (!receivables.some((r) => r.key === job.statementKey)) return cancel('superseded');
    const ledger = allocatePayments(receivables, payments.filter((p) => p.paidOn <= sentOn)).get(job.statementKey)!;
    const outstanding = ledger.outstandingOn(sentOn);
    if (outstanding.lte(0)) return cancel('paid');

    const claimedAt = ports.clock();
    const claim = await ports.arrears.claimNotice(job, claimedAt, leaseMs);
    if (claim !== 'claimed') return settled(await ports.arrears.notice(job)) ?? 'busy';
    const lease = leaseUntil(claimedAt, leaseMs);

    const amountDue = outstanding.toFixed(2);
    const late = lateCharge({ receivable: ledger.receivable, balanceOn: (d) => ledger.balanceAtStartOf(d), asOf: sentOn, policy }).amount;
    const dates = datesWhenSent(notice, sentOn, policy);
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
      nextStep: describeNextStep({ ...notice, ...dates, amountDue }, locale),
      ...(dates.disconnectionDate ? { disconnectionDate: dates.disconnectionDate } : {}),
      accountManagerEmail: customer.accountManagerEmail,
    };
    const to = request ? [customer.accountManagerEmail] : [customer.email];
    const cc = !request && notice.copyManager ? [customer.accountManagerEmail] : [];
    if (!request && (await ports.suppressions.isSuppressed(customer.email))) {
      // The address bounced: the notice cannot reach the customer by email; the manager gets it to deliver otherwise.
      to.splice(0, 1, customer.accountManagerEmail);
      cc.length = 0;
    }
    const stated = { sentOn, to, cc, amountDue, lateCharge: late, nextStep: dates.nextStep, ...(dates.disconnectionDate ? { disconnectionDate: dates.disconnectionDate } : {}) };
    let messageId: string;
    try {
      messageId = await ports.mailer.send({ ...renderNotice(content, locale), to, cc, tags: { kind: `notice-${notice.stage}`, customer: customer.customerId } });
    } catch (err) {
      // SES may have accepted it: recorded with what it said, for an operator to confirm or release; never resent blindly.
      if (err instanceof MailOutcomeUnknownError) {
        await ports.arrears.markNotice(job, { state: 'unknown', at: ports.clock().toISOString(), error: err.message, ...stated }, lease);
        return 'delivery-unknown';
      }
      await ports.arrears.markNotice(job, { state: 'failed', at: ports.clock().toISOString(), error: (err as Error).message }, lease);
      throw err;
    }
    await ports.arrears.markNotice(job, { state: 'sent', messageId, at: ports.clock().toISOString(), ...stated }, lease);
    if (notice.phoneTask) {
      await ports.arrears.addTask(customer.customerId, {
        day: sentOn,
        kind: 'phone-call',
        statementKey: notice.statementKey,
        stage: notice.stage,
        dueOn: nextDay(sentOn, DUE_DAYS['phone-call']),
        assignee: customer.accountManagerEmail,
        note: `Call ${customer.customerId} about ${notice.period}: ${notice.currency} ${amountDue} overdue since ${notice.dueDate} (formal notice of ${sentOn}).`,
      });
    }
    return 'sent';
  };
}
