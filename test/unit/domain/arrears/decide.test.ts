import { describe, expect, it } from 'vitest';
import { decideNotices, describeNextStep, holdEnd, type DecideInput, type Hold, type NoticeDecision, type SentNotice } from '../../../../domain/arrears/decide.ts';
import { DEFAULT_ARREARS_POLICY as policy, type ArrearsPolicy } from '../../../../domain/arrears/policy.ts';
import { CUSTOMER, payment, receivable } from './fixtures.ts';

const MAR = receivable('2026-03', '100000.00', '2026-04-15');

function decide(over: Partial<DecideInput> & { asOf: string }): NoticeDecision[] {
  return decideNotices({ customerId: CUSTOMER, tier: 'A', receivables: [MAR], payments: [], notices: [], holds: [], policy, ...over });
}
const sent = (stage: SentNotice['stage'], sentOn: string, disconnectionDate?: string): SentNotice => ({
  statementKey: MAR.key,
  stage,
  sentOn,
  ...(disconnectionDate ? { disconnectionDate } : {}),
});

describe('decideNotices', () => {
  it('nothing on the due date; the reminder the day after, with every field', () => {
    expect(decide({ asOf: '2026-04-15' })).toEqual([]);
    expect(decide({ asOf: '2026-04-16' })).toEqual([
      {
        customerId: CUSTOMER,
        tier: 'A',
        statementKey: '2026-03#v1',
        period: '2026-03',
        stage: 'reminder',
        amountDue: '100000.00',
        currency: 'CNY',
        dueDate: '2026-04-15',
        daysOverdue: 1,
        lateChargeSoFar: '200.00',
        lateChargeDetail: '2026-04-16: 1 day × 100,000.00 × 0.2% (current year) = 200; sum 200 → 200.00 (half-up to 0.01)',
        nextStep: { stage: 'formal', date: '2026-04-22' },
        copyManager: false,
        phoneTask: false,
      },
    ]);
  });

  it('only the stage after the last one sent, and only once both its conditions hold', () => {
    // Reminder sent late on 04-20: formal on max(04-22, 04-20 + 3) = 04-23, not 04-22.
    const notices = [sent('reminder', '2026-04-20')];
    expect(decide({ asOf: '2026-04-22', notices })).toEqual([]);
    expect(decide({ asOf: '2026-04-23', notices }).map((d) => d.stage)).toEqual(['formal']);
    // Far past every trigger with only the reminder sent: still the formal notice, never the final.
    expect(decide({ asOf: '2026-06-30', notices }).map((d) => d.stage)).toEqual(['formal']);
    // A stage already sent is not sent again.
    expect(decide({ asOf: '2026-04-20', notices })).toEqual([]);
  });

  it('final notice: disconnection date = sent day + the tier notice days', () => {
    const notices = [sent('reminder', '2026-04-16'), sent('formal', '2026-04-22')];
    const a = decide({ asOf: '2026-04-30', notices })[0]!;
    expect([a.stage, a.disconnectionDate, a.nextStep]).toEqual(['final', '2026-05-07', { stage: 'disconnection-request', date: '2026-05-07' }]);
    const c = decide({ asOf: '2026-04-30', notices, tier: 'C' })[0]!;
    expect([c.stage, c.disconnectionDate, c.nextStep]).toEqual(['final', '2026-05-03', { stage: 'disconnection-request', date: '2026-05-03' }]);
  });

  it('request never before the disconnection date stated in the final notice, nor before final + notice days', () => {
    const base = [sent('reminder', '2026-04-16'), sent('formal', '2026-04-22')];
    // Stated a later date (e.g. set by hand): the request waits for it.
    const later = [...base, sent('final', '2026-04-30', '2026-05-12')];
    expect(decide({ asOf: '2026-05-11', notices: later })).toEqual([]);
    const d = decide({ asOf: '2026-05-12', notices: later })[0]!;
    expect([d.stage, d.disconnectionDate, d.nextStep]).toEqual(['disconnection-request', '2026-05-12', { stage: 'disconnection-approval', date: '2026-05-12' }]);
    // A record stating too early a date cannot bring the request before 04-30 + 7.
    const early = [...base, sent('final', '2026-04-30', '2026-05-01')];
    expect(decide({ asOf: '2026-05-06', notices: early })).toEqual([]);
    expect(decide({ asOf: '2026-05-07', notices: early })[0]!.disconnectionDate).toBe('2026-05-07');
  });

  it('after the request nothing more: a person decides', () => {
    const notices = [sent('reminder', '2026-04-16'), sent('formal', '2026-04-22'), sent('final', '2026-04-30', '2026-05-07'), sent('disconnection-request', '2026-05-07', '2026-05-07')];
    expect(decide({ asOf: '2026-06-30', notices })).toEqual([]);
  });

  it('a credit that covers the statement means nothing to send; payments after asOf are not seen', () => {
    const feb = receivable('2026-02', '1000.00', '2026-03-15');
    expect(decide({ asOf: '2026-04-16', receivables: [feb, MAR], payments: [payment('P1', '2026-03-10', '101000.00')] })).toEqual([]);
    expect(decide({ asOf: '2026-04-16', payments: [payment('P1', '2026-04-17', '100000.00')] }).map((d) => d.stage)).toEqual(['reminder']);
  });

  it('a hold without statement keys covers every statement; with keys only those', () => {
    const feb = receivable('2026-02', '1000.00', '2026-03-15');
    const all: Hold = { kind: 'dispute', from: '2026-04-01' };
    expect(decide({ asOf: '2026-04-16', receivables: [feb, MAR], holds: [all] })).toEqual([]);
    const onlyFeb: Hold = { kind: 'dispute', from: '2026-04-01', statementKeys: [feb.key] };
    expect(decide({ asOf: '2026-04-16', receivables: [feb, MAR], holds: [onlyFeb] }).map((d) => d.statementKey)).toEqual([MAR.key]);
    // A hold starting tomorrow does not hold today.
    expect(decide({ asOf: '2026-04-16', holds: [{ kind: 'dispute', from: '2026-04-17' }] }).map((d) => d.stage)).toEqual(['reminder']);
  });

  it('release rule: the next stage is at least its gap after the release', () => {
    const notices = [sent('reminder', '2026-04-16')];
    const hold: Hold = { kind: 'dispute', from: '2026-04-18', released: '2026-05-05' };
    expect(decide({ asOf: '2026-05-04', notices, holds: [hold] })).toEqual([]); // held
    expect(decide({ asOf: '2026-05-05', notices, holds: [hold] })).toEqual([]); // release day
    expect(decide({ asOf: '2026-05-07', notices, holds: [hold] })).toEqual([]);
    expect(decide({ asOf: '2026-05-08', notices, holds: [hold] }).map((d) => d.stage)).toEqual(['formal']);
    // A reminder held by a dispute (gap 0) can go out on the release day.
    expect(decide({ asOf: '2026-05-05', holds: [hold] }).map((d) => d.stage)).toEqual(['reminder']);
  });

  it('a plan whose schedule is over with money still owed resumes the day after the last due day + grace', () => {
    const plan: Hold = { kind: 'plan', from: '2026-04-17', instalments: [{ dueOn: '2026-05-01', amount: '10000.00' }] };
    const payments = [payment('P1', '2026-05-01', '10000.00')];
    expect(holdEnd(plan, payments, 3)).toBe('2026-05-05');
    const notices = [sent('reminder', '2026-04-16')];
    expect(decide({ asOf: '2026-05-07', notices, holds: [plan], payments })).toEqual([]);
    expect(decide({ asOf: '2026-05-08', notices, holds: [plan], payments }).map((d) => [d.stage, d.amountDue])).toEqual([['formal', '90000.00']]);
  });

  it('holdEnd: instalments are covered cumulatively by payments from the plan start; a missed one ends the hold after its grace', () => {
    const plan: Hold = {
      kind: 'plan',
      from: '2026-04-20',
      instalments: [
        { dueOn: '2026-05-20', amount: '300.00' },
        { dueOn: '2026-05-05', amount: '300.00' },
      ],
    };
    // One 600.00 payment on 05-05 covers both; a payment before the plan start does not count.
    expect(holdEnd(plan, [payment('P', '2026-05-05', '600.00')], 3)).toBe('2026-05-24');
    expect(holdEnd(plan, [payment('P0', '2026-04-19', '600.00')], 3)).toBe('2026-05-09');
    // 299.99 by 05-08 misses the first instalment: the hold ends 05-09.
    expect(holdEnd(plan, [payment('P', '2026-05-08', '299.99')], 3)).toBe('2026-05-09');
    expect(holdEnd({ ...plan, released: '2026-05-01' }, [], 3)).toBe('2026-05-01');
    expect(holdEnd({ kind: 'dispute', from: '2026-04-20' }, [], 3)).toBeUndefined();
  });

  it('refuses another customer and an invalid policy', () => {
    expect(() => decide({ asOf: '2026-04-16', payments: [payment('P', '2026-04-01', '1.00', { customerId: 'X' })] })).toThrow('payment P belongs to X, not C-1001');
    const bad: ArrearsPolicy = structuredClone(policy);
    bad.ladders.C[2]!.noticeDays = 1;
    expect(() => decide({ asOf: '2026-04-16', policy: bad })).toThrow(/noticeDays 1 is below the legal minimum of 3 days/);
  });
});

describe('describeNextStep', () => {
  const base = decide({ asOf: '2026-04-16' })[0]!;
  it('says what follows, when, and for how much, in English and Chinese', () => {
    const final: NoticeDecision = { ...base, stage: 'formal', amountDue: '60000.00', nextStep: { stage: 'final', date: '2026-12-06' } };
    expect(describeNextStep(final, 'en')).toBe('If CNY 60,000.00 is not paid by 2026-12-05, a final notice stating the earliest disconnection date follows on 2026-12-06.');
    expect(describeNextStep(final, 'zh-CN')).toBe('如2026年12月5日前仍未缴清¥60,000.00，将于2026年12月6日发出最后通知，载明最早停电日期。');
    expect(describeNextStep(base, 'en')).toBe('If CNY 100,000.00 is not paid by 2026-04-21, a formal notice follows on 2026-04-22.');
    expect(describeNextStep(base, 'zh-CN')).toBe('如2026年4月21日前仍未缴清¥100,000.00，将于2026年4月22日发出正式催缴通知。');
  });

  it('names the disconnection date and the human approval', () => {
    const fin: NoticeDecision = { ...base, stage: 'final', disconnectionDate: '2026-05-07', nextStep: { stage: 'disconnection-request', date: '2026-05-07' } };
    expect(describeNextStep(fin, 'en')).toBe(
      "If CNY 100,000.00 is not paid by 2026-05-06, a request to disconnect supply on or after 2026-05-07 goes for approval on 2026-05-07; nothing is disconnected without a person's approval.",
    );
    expect(describeNextStep(fin, 'zh-CN')).toBe('如2026年5月6日前仍未缴清¥100,000.00，将于2026年5月7日提交停电申请（最早停电日期2026年5月7日），须经人工审批；系统不会自动停电。');
    const req: NoticeDecision = { ...fin, stage: 'disconnection-request', nextStep: { stage: 'disconnection-approval', date: '2026-05-07' } };
    expect(describeNextStep(req, 'en')).toBe("A request to disconnect supply on or after 2026-05-07 awaits a person's approval; paying CNY 100,000.00 stops it.");
    expect(describeNextStep(req, 'zh-CN')).toBe('停电申请（最早停电日期2026年5月7日）已提交，待人工审批；缴清¥100,000.00即可停止。');
    expect(describeNextStep({ ...req, nextStep: null }, 'en')).toBe('No further notice follows for this statement.');
  });
});
