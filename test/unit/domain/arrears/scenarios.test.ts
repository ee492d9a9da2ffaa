import { describe, expect, it } from 'vitest';
import type { Tier } from '../../../../domain/classification/tier.ts';
import { decideNotices, type Hold, type NoticeDecision, type SentNotice } from '../../../../domain/arrears/decide.ts';
import type { PaymentIn, Receivable } from '../../../../domain/arrears/ledger.ts';
import { DEFAULT_ARREARS_POLICY as policy, STAGES, stepOf } from '../../../../domain/arrears/policy.ts';
import { daysBetween, nextDay } from '../../../../domain/time/zone.ts';
import { CUSTOMER, payment, receivable } from './fixtures.ts';

/**
 * A controlled clock: the scan runs on each day (or every `every` days) and records what it decided as sent that
 * day, as the real system does. Payments and holds are visible from their own day on only (a release is unknown
 * before it happens).
 */
function simulate(opts: {
  tier: Tier;
  start: string;
  days: number;
  every?: number;
  receivables: Receivable[];
  payments?: PaymentIn[];
  holds?: Hold[];
}): (NoticeDecision & { sentOn: string })[] {
  const notices: SentNotice[] = [];
  const log: (NoticeDecision & { sentOn: string })[] = [];
  for (let i = 0; i < opts.days; i += opts.every ?? 1) {
    const asOf = nextDay(opts.start, i);
    const holds = (opts.holds ?? [])
      .filter((h) => h.from <= asOf)
      .map((h) => (h.released !== undefined && h.released > asOf ? { ...h, released: undefined } : h));
    const decisions = decideNotices({
      customerId: CUSTOMER,
      tier: opts.tier,
      asOf,
      receivables: opts.receivables,
      payments: (opts.payments ?? []).filter((p) => p.paidOn <= asOf),
      notices,
      holds,
      policy,
    });
    for (const d of decisions) {
      notices.push({ statementKey: d.statementKey, stage: d.stage, sentOn: asOf, ...(d.disconnectionDate ? { disconnectionDate: d.disconnectionDate } : {}) });
      log.push({ ...d, sentOn: asOf });
    }
  }
  assertLadder(log, opts.tier, opts.receivables);
  return log;
}

/** The policy's guarantees, checked on every simulated history. */
function assertLadder(log: (NoticeDecision & { sentOn: string })[], tier: Tier, receivables: Receivable[]): void {
  for (const r of receivables) {
    const mine = log.filter((d) => d.statementKey === r.key);
    // Never skipped, never repeated: exactly a prefix of the ladder, in order.
    expect(mine.map((d) => d.stage)).toEqual(STAGES.slice(0, mine.length));
    mine.forEach((d, i) => {
      const step = stepOf(policy, tier, d.stage);
      expect(daysBetween(r.dueDate, d.sentOn)).toBeGreaterThanOrEqual(step.daysOverdue);
      if (i > 0) expect(daysBetween(mine[i - 1]!.sentOn, d.sentOn)).toBeGreaterThanOrEqual(step.minDaysAfterPrevious);
      if (d.stage === 'final') {
        expect(daysBetween(d.sentOn, d.disconnectionDate!)).toBeGreaterThanOrEqual(step.noticeDays!);
        expect(step.noticeDays!).toBeGreaterThanOrEqual(3);
      }
      if (d.stage === 'disconnection-request') {
        const final = mine[i - 1]!;
        expect(d.sentOn >= final.disconnectionDate!).toBe(true);
        expect(d.disconnectionDate).toBe(final.disconnectionDate);
      }
    });
  }
}

const row = (d: NoticeDecision & { sentOn: string }) => [d.stage, d.sentOn, d.amountDue, d.disconnectionDate ?? null];

// One March statement of 100,000.00 due 2026-04-15; the scan runs daily from 2026-04-10 for 61 days (to 06-09).
const MAR = receivable('2026-03', '100000.00', '2026-04-15');
const START = '2026-04-10';
const DAYS = 61;

const TIERS: { tier: Tier; notice: number }[] = [
  { tier: 'A', notice: 7 },
  { tier: 'B', notice: 7 },
  { tier: 'C', notice: 3 },
];

describe.each(TIERS)('daily scan, tier $tier ($notice days disconnection notice)', ({ tier, notice }) => {
  const plus = (day: string, n: number) => nextDay(day, n);

  it('never paid: reminder, formal, final, request on the ladder dates', () => {
    const log = simulate({ tier, start: START, days: DAYS, receivables: [MAR] });
    // reminder due+1; formal due+7; final due+15 (disconnection final+notice); request due+15+notice, on that date.
    const disc = plus('2026-04-30', notice);
    expect(log.map(row)).toEqual([
      ['reminder', '2026-04-16', '100000.00', null],
      ['formal', '2026-04-22', '100000.00', null],
      ['final', '2026-04-30', '100000.00', disc],
      ['disconnection-request', disc, '100000.00', disc],
    ]);
    expect(log.map((d) => [d.copyManager, d.phoneTask])).toEqual([[false, false], [true, true], [true, true], [true, false]]);
    expect(log.map((d) => d.nextStep)).toEqual([
      { stage: 'formal', date: '2026-04-22' },
      { stage: 'final', date: '2026-04-30' },
      { stage: 'disconnection-request', date: disc },
      { stage: 'disconnection-approval', date: disc },
    ]);
    // Late charge so far, 100,000.00 × 0.2% = 200.00 a day: reminder 1 day 200.00, formal 7 days 1,400.00,
    // final 15 days 3,000.00, request (15 + notice) days.
    expect(log.map((d) => d.lateChargeSoFar)).toEqual(['200.00', '1400.00', '3000.00', `${(15 + notice) * 200}.00`]);
  });

  it('paid in full after the reminder: escalation stops at once', () => {
    const log = simulate({ tier, start: START, days: DAYS, receivables: [MAR], payments: [payment('P1', '2026-04-18', '100000.00')] });
    expect(log.map(row)).toEqual([['reminder', '2026-04-16', '100000.00', null]]);
  });

  it('paid in full on the day a stage was due: nothing that day', () => {
    const log = simulate({ tier, start: START, days: DAYS, receivables: [MAR], payments: [payment('P1', '2026-04-22', '100000.00')] });
    expect(log.map((d) => d.stage)).toEqual(['reminder']);
  });

  it('partial payment after the formal notice: the amount drops, the dates stay', () => {
    const log = simulate({ tier, start: START, days: DAYS, receivables: [MAR], payments: [payment('P1', '2026-04-24', '40000.00')] });
    const disc = plus('2026-04-30', notice);
    expect(log.map(row)).toEqual([
      ['reminder', '2026-04-16', '100000.00', null],
      ['formal', '2026-04-22', '100000.00', null],
      ['final', '2026-04-30', '60000.00', disc],
      ['disconnection-request', disc, '60000.00', disc],
    ]);
    // Final on 04-30: 04-16..04-24 (payment day included) 9 × 200.00 = 1,800.00; 04-25..04-30 6 × 120.00 = 720.00.
    expect(log[2]!.lateChargeSoFar).toBe('2520.00');
  });

  it('dispute hold, then release: nothing while held; resumes where it stopped, the gap counted from the release', () => {
    const hold: Hold = { kind: 'dispute', from: '2026-04-20', released: '2026-05-05', statementKeys: [MAR.key] };
    const log = simulate({ tier, start: START, days: DAYS, receivables: [MAR], holds: [hold] });
    // Formal was due 04-22 (held); released 05-05 → formal max(04-22, 05-05 + 3) = 05-08;
    // final max(04-30, 05-08 + 5) = 05-13, disconnection 05-13 + notice; request on that date.
    const disc = plus('2026-05-13', notice);
    expect(log.map(row)).toEqual([
      ['reminder', '2026-04-16', '100000.00', null],
      ['formal', '2026-05-08', '100000.00', null],
      ['final', '2026-05-13', '100000.00', disc],
      ['disconnection-request', disc, '100000.00', disc],
    ]);
  });

  it('payment plan kept to the end: no notice after the plan starts, the statement is paid', () => {
    const plan: Hold = {
      kind: 'plan',
      from: '2026-04-25',
      statementKeys: [MAR.key],
      instalments: [
        { dueOn: '2026-05-05', amount: '30000.00' },
        { dueOn: '2026-05-20', amount: '30000.00' },
        { dueOn: '2026-06-05', amount: '40000.00' },
      ],
    };
    // The second instalment is 2 days late, within the 3 grace days.
    const payments = [payment('P1', '2026-05-04', '30000.00'), payment('P2', '2026-05-22', '30000.00'), payment('P3', '2026-06-05', '40000.00')];
    const log = simulate({ tier, start: START, days: DAYS, receivables: [MAR], payments, holds: [plan] });
    expect(log.map(row)).toEqual([
      ['reminder', '2026-04-16', '100000.00', null],
      ['formal', '2026-04-22', '100000.00', null],
    ]);
  });

  it('payment plan kept, then missed: escalation resumes from the formal notice, the gap counted from the miss', () => {
    const plan: Hold = {
      kind: 'plan',
      from: '2026-04-25',
      statementKeys: [MAR.key],
      instalments: [
        { dueOn: '2026-05-05', amount: '30000.00' },
        { dueOn: '2026-05-20', amount: '30000.00' },
        { dueOn: '2026-06-05', amount: '40000.00' },
      ],
    };
    // First instalment paid; the second (due 05-20, grace to 05-23) is not: the hold ends 05-24.
    const log = simulate({ tier, start: START, days: DAYS, receivables: [MAR], payments: [payment('P1', '2026-05-04', '30000.00')], holds: [plan] });
    // Final max(04-30, 05-24 + 5) = 05-29, for the 70,000.00 left; request on the disconnection date.
    const disc = plus('2026-05-29', notice);
    expect(log.map(row)).toEqual([
      ['reminder', '2026-04-16', '100000.00', null],
      ['formal', '2026-04-22', '100000.00', null],
      ['final', '2026-05-29', '70000.00', disc],
      ['disconnection-request', disc, '70000.00', disc],
    ]);
  });

  it('a scan every 10 days never skips a stage: one stage per run', () => {
    // Runs on 04-15, 04-25, 05-05, 05-15, 05-25, 06-04.
    const log = simulate({ tier, start: '2026-04-15', days: 61, every: 10, receivables: [MAR] });
    expect(log.map(row)).toEqual([
      ['reminder', '2026-04-25', '100000.00', null],
      ['formal', '2026-05-05', '100000.00', null],
      ['final', '2026-05-15', '100000.00', plus('2026-05-15', notice)],
      ['disconnection-request', '2026-05-25', '100000.00', plus('2026-05-15', notice)],
    ]);
  });

  it('a scan outage: the late first notice pushes every later stage by its minimum gap', () => {
    // No scan before 04-29 (14 days overdue): reminder 04-29; formal max(04-22, 04-29 + 3) = 05-02;
    // final max(04-30, 05-02 + 5) = 05-07; request at the disconnection date.
    const log = simulate({ tier, start: '2026-04-29', days: 40, receivables: [MAR] });
    const disc = plus('2026-05-07', notice);
    expect(log.map(row)).toEqual([
      ['reminder', '2026-04-29', '100000.00', null],
      ['formal', '2026-05-02', '100000.00', null],
      ['final', '2026-05-07', '100000.00', disc],
      ['disconnection-request', disc, '100000.00', disc],
    ]);
  });
});

describe('daily scan, two statements', () => {
  it('each statement runs its own ladder; a payment clears the oldest first', () => {
    const feb = receivable('2026-02', '50000.00', '2026-03-15');
    // 50,000.00 on 03-20 pays February in full (oldest first), March stays unpaid.
    const log = simulate({ tier: 'B', start: '2026-03-10', days: 60, receivables: [feb, MAR], payments: [payment('P1', '2026-03-20', '50000.00')] });
    expect(log.map((d) => [d.statementKey, ...row(d)])).toEqual([
      ['2026-02#v1', 'reminder', '2026-03-16', '50000.00', null],
      ['2026-03#v1', 'reminder', '2026-04-16', '100000.00', null],
      ['2026-03#v1', 'formal', '2026-04-22', '100000.00', null],
      ['2026-03#v1', 'final', '2026-04-30', '100000.00', '2026-05-07'],
      ['2026-03#v1', 'disconnection-request', '2026-05-07', '100000.00', '2026-05-07'],
    ]);
  });
});
