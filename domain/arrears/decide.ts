import { Decimal } from 'decimal.js';
import { Dec } from '../billing/decimal.ts';
import type { Tier } from '../classification/tier.ts';
import type { Locale } from '../customers/customer-master.ts';
import { formatDay, formatMoney } from '../statements/render-format.ts';
import { daysBetween, nextDay } from '../time/zone.ts';
import { lateCharge } from './late-charge.ts';
import { allocatePayments, type PaymentIn, type Receivable } from './ledger.ts';
import { STAGES, stepOf, validatePolicy, type ArrearsPolicy, type Stage } from './policy.ts';

/**
 * Which arrears notices go out today: a pure function of the customer's statements, payments, notices already sent,
 * holds and the policy. The scheduled scan calls it once per customer per run and records every decision it sends
 * as a SentNotice (the proof of notice); the next run then sees it.
 *
 * Rules (DOMAIN.md "Arrears (欠费) and notices"):
 * - The ladder runs per statement (`period#vN`): a correction is a new statement with its own due date and ladder.
 * - A stage is never skipped and never sent twice: only the stage after the last one sent can be decided, at most one
 *   per statement per run, and only when on `asOf` both hold: days overdue ≥ its `daysOverdue`, and days since the
 *   previous stage was sent ≥ its `minDaysAfterPrevious`. A scan that missed days therefore catches up one stage per
 *   run, each at least `minDaysAfterPrevious` after the one before.
 * - Outstanding 0 on `asOf` (full payment, or credit) → nothing, at once. A partial payment changes the amounts; the
 *   dates stay those of the ladder.
 * - Holds put statements on hold (no notice) while active: a dispute until released; a payment plan until released,
 *   until an instalment is missed (not covered by the payments made from the plan's start up to its due day +
 *   `planGraceDays`, cumulatively; the hold ends the day after that), or until the day after the last instalment's
 *   due day + grace (the schedule is over). A hold without `statementKeys` covers every statement of the customer.
 * - Release rule: escalation resumes where it stopped, and the end of a hold counts like a sent notice for
 *   `minDaysAfterPrevious` — the next stage is at least that many days after the release (or the missed
 *   instalment's deadline), so there is no surprise notice the day after a release. The reminder's gap is 0 by
 *   default: a statement whose reminder was held can get it on the release day.
 * - A final notice states the earliest disconnection date = sent day + the tier's `noticeDays`; the disconnection
 *   request is never before the date stated in the final notice (nor before final sent day + noticeDays). `sentOn`
 *   is the day the notice actually went out, which is later than the scan's day when the send was retried.
 * - A statement whose email was not delivered (`delivered: false`) starts no ladder.
 * - Holds stop notices, not the late-payment charge: waiving it is a human decision.
 * - Payments dated after `asOf` are ignored.
 */

export interface SentNotice {
  statementKey: string;
  stage: Stage;
  sentOn: string;
  /** Final (and request): the earliest disconnection date it stated. */
  disconnectionDate?: string;
}

export interface Instalment {
  dueOn: string;
  amount: string;
}

export interface Hold {
  kind: 'dispute' | 'plan';
  from: string;
  /** First day no longer on hold. */
  released?: string;
  /** Statements covered; all of the customer's when absent. */
  statementKeys?: string[];
  /** Payment plan only. */
  instalments?: Instalment[];
}

export interface DecideInput {
  customerId: string;
  tier: Tier;
  /** The scan's local day. */
  asOf: string;
  /** Current version of each period. */
  receivables: readonly Receivable[];
  payments: readonly PaymentIn[];
  notices: readonly SentNotice[];
  holds: readonly Hold[];
  policy: ArrearsPolicy;
}

export type NextStage = Stage | 'disconnection-approval';

export interface NoticeDecision {
  customerId: string;
  tier: Tier;
  statementKey: string;
  period: string;
  stage: Stage;
  /** Outstanding at the end of `asOf`, 2 dp. */
  amountDue: string;
  currency: string;
  dueDate: string;
  daysOverdue: number;
  /** Late-payment charge accrued up to and including `asOf` (see late-charge.ts), 2 dp. */
  lateChargeSoFar: string;
  lateChargeDetail: string;
  /** The following step if nothing is paid, at its earliest date; 'disconnection-approval' is a human's. */
  nextStep: { stage: NextStage; date: string } | null;
  /** Final and request: the earliest disconnection date. */
  disconnectionDate?: string;
  copyManager: boolean;
  phoneTask: boolean;
}

const later = (a: string, b: string): string => (a > b ? a : b);

/** The day a hold stops holding (first day not on hold), or undefined while open-ended. */
export function holdEnd(hold: Hold, payments: readonly PaymentIn[], planGraceDays: number): string | undefined {
  const ends: string[] = [];
  if (hold.released !== undefined) ends.push(hold.released);
  if (hold.kind === 'plan' && hold.instalments?.length) {
    const instalments = [...hold.instalments].sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
    let required: Decimal = new Dec(0);
    for (const inst of instalments) {
      required = required.plus(inst.amount);
      const deadline = nextDay(inst.dueOn, planGraceDays);
      const paid = payments
        .filter((p) => p.paidOn >= hold.from && p.paidOn <= deadline)
        .reduce((s: Decimal, p) => s.plus(p.amount), new Dec(0));
      if (paid.lt(required)) {
        ends.push(nextDay(deadline));
        break;
      }
    }
    ends.push(nextDay(instalments.at(-1)!.dueOn, planGraceDays + 1));
  }
  return ends.length ? ends.reduce((a, b) => (a < b ? a : b)) : undefined;
}

export function decideNotices(input: DecideInput): NoticeDecision[] {
  const { customerId, tier, asOf, policy } = input;
  validatePolicy(policy);
  for (const r of input.receivables) {
    if (r.customerId !== customerId) throw new Error(`receivable ${r.key} belongs to ${r.customerId}, not ${customerId}`);
  }
  for (const p of input.payments) {
    if (p.customerId !== customerId) throw new Error(`payment ${p.reference} belongs to ${p.customerId}, not ${customerId}`);
  }
  const payments = input.payments.filter((p) => p.paidOn <= asOf);
  const ledger = allocatePayments(input.receivables, payments);
  const holds = input.holds
    .filter((h) => h.from <= asOf)
    .map((h) => ({ hold: h, end: holdEnd(h, payments, policy.planGraceDays) }));

  const decisions: NoticeDecision[] = [];
  for (const l of ledger.receivables) {
    const r = l.receivable;
    if (r.delivered === false) continue; // never received: no ladder starts (the operator sees it as not delivered)
    if (asOf <= r.dueDate) continue;
    const outstanding = l.outstandingOn(asOf);
    if (!outstanding.gt(0)) continue;

    const mine = holds.filter((h) => h.hold.statementKeys === undefined || h.hold.statementKeys.includes(r.key));
    if (mine.some((h) => h.end === undefined || asOf < h.end)) continue; // on hold today

    const sent = input.notices.filter((n) => n.statementKey === r.key);
    const lastIdx = sent.reduce((m, n) => Math.max(m, STAGES.indexOf(n.stage)), -1);
    if (lastIdx >= STAGES.length - 1) continue; // the request was made: a human decides now
    const stage = STAGES[lastIdx + 1]!;
    const step = stepOf(policy, tier, stage);

    // The last event escalation counts from: the last notice sent, or the end of a hold (release rule).
    let anchor: string | undefined;
    for (const n of sent) anchor = anchor === undefined ? n.sentOn : later(anchor, n.sentOn);
    for (const h of mine) if (h.end !== undefined) anchor = anchor === undefined ? h.end : later(anchor, h.end);

    const finalStep = stepOf(policy, tier, 'final');
    let finalDisconnection: string | undefined;
    if (stage === 'disconnection-request') {
      for (const n of sent.filter((s) => s.stage === 'final')) {
        const floor = nextDay(n.sentOn, finalStep.noticeDays ?? 0);
        const d = n.disconnectionDate === undefined ? floor : later(n.disconnectionDate, floor);
        finalDisconnection = finalDisconnection === undefined ? d : later(finalDisconnection, d);
      }
    }
    let earliest = nextDay(r.dueDate, step.daysOverdue);
    if (anchor !== undefined) earliest = later(earliest, nextDay(anchor, step.minDaysAfterPrevious));
    if (finalDisconnection !== undefined) earliest = later(earliest, finalDisconnection);
    if (earliest > asOf) continue;

    const { disconnectionDate, nextStep } = datesWhenSent({ stage, tier, dueDate: r.dueDate, ...(finalDisconnection ? { disconnectionDate: finalDisconnection } : {}) }, asOf, policy);

    const lc = lateCharge({ receivable: r, balanceOn: l.balanceAtStartOf, asOf, policy });
    decisions.push({
      customerId,
      tier,
      statementKey: r.key,
      period: r.period,
      stage,
      amountDue: outstanding.toFixed(2),
      currency: r.currency,
      dueDate: r.dueDate,
      daysOverdue: daysBetween(r.dueDate, asOf),
      lateChargeSoFar: lc.amount,
      lateChargeDetail: lc.detail,
      nextStep,
      ...(disconnectionDate !== undefined ? { disconnectionDate } : {}),
      copyManager: step.copyManager,
      phoneTask: step.phoneTask,
    });
  }
  return decisions;
}

/**
 * The dates a notice states, as of the day it is actually sent (the scan's day, or later when the send was retried,
 * redriven or re-queued): the final notice's earliest disconnection date is at least `noticeDays` after that day, and
 * the following stage at least its `minDaysAfterPrevious` after it. A request keeps the final notice's date.
 */
export function datesWhenSent(
  notice: Pick<NoticeDecision, 'stage' | 'tier' | 'dueDate' | 'disconnectionDate'>,
  sentOn: string,
  policy: ArrearsPolicy,
): Pick<NoticeDecision, 'disconnectionDate' | 'nextStep'> {
  const { stage, tier, dueDate } = notice;
  let disconnectionDate = notice.disconnectionDate;
  if (stage === 'final') {
    const floor = nextDay(sentOn, stepOf(policy, tier, 'final').noticeDays ?? 0);
    disconnectionDate = disconnectionDate === undefined ? floor : later(disconnectionDate, floor);
  }
  const at = disconnectionDate !== undefined ? { disconnectionDate } : {};
  if (stage === 'disconnection-request') return { ...at, nextStep: { stage: 'disconnection-approval', date: later(sentOn, disconnectionDate ?? sentOn) } };
  const following = STAGES[STAGES.indexOf(stage) + 1]!;
  const fStep = stepOf(policy, tier, following);
  let date = later(nextDay(dueDate, fStep.daysOverdue), nextDay(sentOn, fStep.minDaysAfterPrevious));
  if (following === 'disconnection-request' && disconnectionDate !== undefined) date = later(date, disconnectionDate);
  return { ...at, nextStep: { stage: following, date } };
}

/** What happens next if the amount stays unpaid, in the customer's language. */
export function describeNextStep(decision: NoticeDecision, locale: Locale): string {
  const next = decision.nextStep;
  const amount = formatMoney(new Decimal(decision.amountDue), decision.currency, locale);
  const day = (d: string) => formatDay(d, locale);
  const disc = decision.disconnectionDate;
  const zh = locale === 'zh-CN';
  if (next === null) return zh ? '本账单没有后续通知。' : 'No further notice follows for this statement.';
  const by = day(nextDay(next.date, -1));
  switch (next.stage) {
    case 'reminder':
      return zh
        ? `如${by}前仍未缴清${amount}，将于${day(next.date)}发出缴费提醒。`
        : `If ${amount} is not paid by ${by}, a reminder follows on ${day(next.date)}.`;
    case 'formal':
      return zh
        ? `如${by}前仍未缴清${amount}，将于${day(next.date)}发出正式催缴通知。`
        : `If ${amount} is not paid by ${by}, a formal notice follows on ${day(next.date)}.`;
    case 'final':
      return zh
        ? `如${by}前仍未缴清${amount}，将于${day(next.date)}发出最后通知，载明最早停电日期。`
        : `If ${amount} is not paid by ${by}, a final notice stating the earliest disconnection date follows on ${day(next.date)}.`;
    case 'disconnection-request': {
      const on = disc === undefined ? '' : zh ? `（最早停电日期${day(disc)}）` : ` on or after ${day(disc)}`;
      return zh
        ? `如${by}前仍未缴清${amount}，将于${day(next.date)}提交停电申请${on}，须经人工审批；系统不会自动停电。`
        : `If ${amount} is not paid by ${by}, a request to disconnect supply${on} goes for approval on ${day(next.date)}; nothing is disconnected without a person's approval.`;
    }
    case 'disconnection-approval': {
      const on = disc === undefined ? '' : zh ? `（最早停电日期${day(disc)}）` : ` on or after ${day(disc)}`;
      return zh
        ? `停电申请${on}已提交，待人工审批；缴清${amount}即可停止。`
        : `A request to disconnect supply${on} awaits a person's approval; paying ${amount} stops it.`;
    }
  }
}
