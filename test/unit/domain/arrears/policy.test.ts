import { describe, expect, it } from 'vitest';
import { DEFAULT_ARREARS_POLICY, STAGES, validatePolicy, type ArrearsPolicy, type LadderStep } from '../../../../domain/arrears/policy.ts';

const copy = (): ArrearsPolicy => structuredClone(DEFAULT_ARREARS_POLICY);

describe('DEFAULT_ARREARS_POLICY', () => {
  it('is valid', () => {
    expect(() => validatePolicy(DEFAULT_ARREARS_POLICY)).not.toThrow();
  });

  it('has the DOMAIN.md ladder: reminder +1, formal +7 (manager, phone), final +15 with 7 days notice (A, B) or 3 (C), request after it', () => {
    const row = (s: LadderStep) => [s.stage, s.daysOverdue, s.minDaysAfterPrevious, s.copyManager, s.phoneTask, s.noticeDays];
    const ab = [
      ['reminder', 1, 0, false, false, undefined],
      ['formal', 7, 3, true, true, undefined],
      ['final', 15, 5, true, true, 7],
      ['disconnection-request', 22, 7, true, false, undefined],
    ];
    expect(DEFAULT_ARREARS_POLICY.ladders.A.map(row)).toEqual(ab);
    expect(DEFAULT_ARREARS_POLICY.ladders.B.map(row)).toEqual(ab);
    expect(DEFAULT_ARREARS_POLICY.ladders.C.map(row)).toEqual([
      ['reminder', 1, 0, false, false, undefined],
      ['formal', 7, 3, true, true, undefined],
      ['final', 15, 5, true, true, 3],
      ['disconnection-request', 18, 3, true, false, undefined],
    ]);
    expect(DEFAULT_ARREARS_POLICY.lateCharge).toEqual({ currentYearDailyRate: '0.002', crossYearDailyRate: '0.003', minimum: '1.00' });
    expect(DEFAULT_ARREARS_POLICY.planGraceDays).toBe(3);
    expect(STAGES).toEqual(['reminder', 'formal', 'final', 'disconnection-request']);
  });
});

describe('validatePolicy', () => {
  it('rejects stages out of order', () => {
    const p = copy();
    const [a, b, c, d] = p.ladders.B as [LadderStep, LadderStep, LadderStep, LadderStep];
    p.ladders.B = [a, c, b, d];
    expect(() => validatePolicy(p)).toThrow(/tier B: stages must be exactly reminder, formal, final, disconnection-request in this order, got reminder, final, formal/);
  });

  it('rejects a missing stage and a missing tier', () => {
    const p = copy();
    p.ladders.A = p.ladders.A.slice(0, 3);
    expect(() => validatePolicy(p)).toThrow(/tier A: stages must be exactly/);
    const q = copy();
    delete (q.ladders as Partial<ArrearsPolicy['ladders']>).C;
    expect(() => validatePolicy(q)).toThrow(/tier C: no ladder/);
  });

  it('rejects a final notice below the legal 3 days, for every tier', () => {
    for (const tier of ['A', 'B', 'C'] as const) {
      const p = copy();
      p.ladders[tier][2]!.noticeDays = 2;
      expect(() => validatePolicy(p)).toThrow(new RegExp(`tier ${tier} step 3 \\(final\\): noticeDays 2 is below the legal minimum of 3 days`));
    }
    const p = copy();
    delete p.ladders.C[2]!.noticeDays;
    expect(() => validatePolicy(p)).toThrow(/noticeDays undefined is below the legal minimum/);
    const ok = copy();
    ok.ladders.C[2]!.noticeDays = 3;
    expect(() => validatePolicy(ok)).not.toThrow();
  });

  it('rejects a trigger earlier than the previous stage, a zero gap, a reminder on the due date', () => {
    const p = copy();
    p.ladders.A[2]!.daysOverdue = 6;
    expect(() => validatePolicy(p)).toThrow(/tier A step 3 \(final\): daysOverdue 6 is before the previous stage's 7/);
    const q = copy();
    q.ladders.A[1]!.minDaysAfterPrevious = 0;
    expect(() => validatePolicy(q)).toThrow(/tier A step 2 \(formal\): minDaysAfterPrevious must be ≥ 1/);
    const r = copy();
    r.ladders.A[0]!.daysOverdue = 0;
    expect(() => validatePolicy(r)).toThrow(/tier A step 1 \(reminder\): daysOverdue must be ≥ 1/);
  });

  it('rejects a request sooner after the final notice than its notice days, and noticeDays on another stage', () => {
    const p = copy();
    p.ladders.B[3]!.minDaysAfterPrevious = 6;
    expect(() => validatePolicy(p)).toThrow(/tier B: disconnection-request minDaysAfterPrevious 6 is shorter than the final notice's 7 noticeDays/);
    const q = copy();
    q.ladders.B[1]!.noticeDays = 7;
    expect(() => validatePolicy(q)).toThrow(/tier B step 2 \(formal\): noticeDays belongs to the final stage only/);
  });

  it('rejects bad late-charge rates and grace days, naming every problem', () => {
    const p = copy();
    p.lateCharge.currentYearDailyRate = '0.2%';
    p.lateCharge.crossYearDailyRate = '1.5';
    p.planGraceDays = -1;
    expect(() => validatePolicy(p)).toThrow(
      'invalid arrears policy: lateCharge.currentYearDailyRate must be a non-negative decimal string, got 0.2%; ' +
        'lateCharge.crossYearDailyRate 1.5 is a daily rate and must be below 1; planGraceDays must be a whole number ≥ 0',
    );
  });
});
