import { Decimal } from 'decimal.js';
import type { Tier } from '../classification/tier.ts';

/**
 * The arrears escalation policy as data (DOMAIN.md "Arrears (欠费) and notices"). The decision functions in
 * `decide.ts` read nothing else; everything here is configurable per size tier.
 */

/** Escalation stages, in ladder order. A stage is never skipped and never sent twice. */
export type Stage = 'reminder' | 'formal' | 'final' | 'disconnection-request';

export const STAGES: readonly Stage[] = ['reminder', 'formal', 'final', 'disconnection-request'];

/** The furthest stage a statement has reached: its latest notice that was not cancelled, or undefined. */
export function furthestNotice<N extends { statementKey: string; stage: Stage; email: { state: string } }>(notices: readonly N[], statementKey: string): N | undefined {
  let best: N | undefined;
  for (const n of notices) {
    if (n.statementKey === statementKey && n.email.state !== 'cancelled' && (!best || STAGES.indexOf(n.stage) > STAGES.indexOf(best.stage))) best = n;
  }
  return best;
}

export const TIERS: readonly Tier[] = ['A', 'B', 'C'];

/**
 * The Supply Business Rules (供电营业规则) require the disconnection notice to reach the customer 3–7 days before
 * disconnection: a final notice may never give less than this.
 */
export const LEGAL_MIN_NOTICE_DAYS = 3;

export interface LadderStep {
  stage: Stage;
  /** Earliest trigger, in days after the due date (1 = the day after the due date). */
  daysOverdue: number;
  /**
   * Minimum days since the previous stage was sent (and since the end of a hold, see `decide.ts`). The first stage
   * has no previous one: its value only counts from the end of a hold, and defaults to 0.
   */
  minDaysAfterPrevious: number;
  /** The account manager is copied. */
  copyManager: boolean;
  /** A phone-call task is created for the account manager. */
  phoneTask: boolean;
  /** Final notice only: the earliest disconnection date stated in it is the sent date + noticeDays. */
  noticeDays?: number;
}

export interface ArrearsPolicy {
  /** One ladder per size tier, each with exactly the four stages in order. */
  ladders: Record<Tier, LadderStep[]>;
  /** 电费违约金: per day on the overdue amount; rates are decimal strings (0.002 = 0.2% per day). */
  lateCharge: {
    /** Days in the same calendar year as the statement's period. */
    currentYearDailyRate: string;
    /** Days in a later calendar year than the period's (arrears carried from earlier years). */
    crossYearDailyRate: string;
    /** The total is at least this once any day is overdue (总额不足1元者按1元收取). */
    minimum: string;
  };
  /** A payment-plan instalment counts as missed when not covered by payments by its due day + this many days. */
  planGraceDays: number;
}

function ladder(noticeDays: number): LadderStep[] {
  return [
    // The day after the due date; a friendly reminder to the customer only.
    { stage: 'reminder', daysOverdue: 1, minDaysAfterPrevious: 0, copyManager: false, phoneTask: false },
    // 7 days overdue, at least 3 days after the reminder (only binds when scans were missed or after a hold).
    { stage: 'formal', daysOverdue: 7, minDaysAfterPrevious: 3, copyManager: true, phoneTask: true },
    // 15 days overdue, at least 5 days after the formal notice so the phone call can happen first; states the
    // earliest disconnection date = sent date + noticeDays.
    { stage: 'final', daysOverdue: 15, minDaysAfterPrevious: 5, copyManager: true, phoneTask: true, noticeDays },
    // On or after the stated disconnection date (15 + noticeDays overdue, noticeDays after the final notice): a
    // request to a human for approval, never an action. The manager is copied; the call was made at the final stage.
    {
      stage: 'disconnection-request',
      daysOverdue: 15 + noticeDays,
      minDaysAfterPrevious: noticeDays,
      copyManager: true,
      phoneTask: false,
    },
  ];
}

/** Defaults: 7 days' disconnection notice for tiers A and B, 3 (the legal minimum) for C. */
export const DEFAULT_ARREARS_POLICY: ArrearsPolicy = {
  ladders: { A: ladder(7), B: ladder(7), C: ladder(3) },
  lateCharge: { currentYearDailyRate: '0.002', crossYearDailyRate: '0.003', minimum: '1.00' },
  planGraceDays: 3,
};

const DECIMAL = /^\d+(\.\d+)?$/;

function nonNegativeInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

/** Throws an Error naming every problem found; returns the policy unchanged when it is valid. */
export function validatePolicy(p: ArrearsPolicy): ArrearsPolicy {
  const problems: string[] = [];
  for (const tier of TIERS) {
    const steps = p.ladders?.[tier];
    if (!Array.isArray(steps)) {
      problems.push(`tier ${tier}: no ladder`);
      continue;
    }
    const where = (i: number) => `tier ${tier} step ${i + 1} (${steps[i]?.stage})`;
    const order = steps.map((s) => s.stage).join(', ');
    if (steps.length !== STAGES.length || steps.some((s, i) => s.stage !== STAGES[i])) {
      problems.push(`tier ${tier}: stages must be exactly ${STAGES.join(', ')} in this order, got ${order || 'none'}`);
      continue;
    }
    steps.forEach((s, i) => {
      if (!nonNegativeInt(s.daysOverdue)) problems.push(`${where(i)}: daysOverdue must be a whole number ≥ 0`);
      if (!nonNegativeInt(s.minDaysAfterPrevious)) problems.push(`${where(i)}: minDaysAfterPrevious must be a whole number ≥ 0`);
      if (typeof s.copyManager !== 'boolean' || typeof s.phoneTask !== 'boolean') {
        problems.push(`${where(i)}: copyManager and phoneTask must be true or false`);
      }
      if (i === 0 && s.daysOverdue < 1) problems.push(`${where(i)}: daysOverdue must be ≥ 1 (a notice is only for an overdue statement)`);
      if (i > 0) {
        if (s.daysOverdue < steps[i - 1]!.daysOverdue) {
          problems.push(`${where(i)}: daysOverdue ${s.daysOverdue} is before the previous stage's ${steps[i - 1]!.daysOverdue}`);
        }
        if (s.minDaysAfterPrevious < 1) problems.push(`${where(i)}: minDaysAfterPrevious must be ≥ 1 (two stages never go out the same day)`);
      }
      if (s.stage === 'final') {
        if (!nonNegativeInt(s.noticeDays) || s.noticeDays < LEGAL_MIN_NOTICE_DAYS) {
          problems.push(
            `${where(i)}: noticeDays ${String(s.noticeDays)} is below the legal minimum of ${LEGAL_MIN_NOTICE_DAYS} days ` +
              '(the disconnection notice must reach the customer 3–7 days before)',
          );
        }
      } else if (s.noticeDays !== undefined) {
        problems.push(`${where(i)}: noticeDays belongs to the final stage only`);
      }
    });
    const final = steps[2]!;
    const request = steps[3]!;
    if (nonNegativeInt(final.noticeDays) && request.minDaysAfterPrevious < final.noticeDays) {
      problems.push(
        `tier ${tier}: disconnection-request minDaysAfterPrevious ${request.minDaysAfterPrevious} is shorter than the final notice's ${final.noticeDays} noticeDays`,
      );
    }
  }
  const lc = p.lateCharge;
  for (const k of ['currentYearDailyRate', 'crossYearDailyRate', 'minimum'] as const) {
    const v = lc?.[k];
    if (typeof v !== 'string' || !DECIMAL.test(v)) problems.push(`lateCharge.${k} must be a non-negative decimal string, got ${String(v)}`);
    else if (k !== 'minimum' && new Decimal(v).gte(1)) problems.push(`lateCharge.${k} ${v} is a daily rate and must be below 1`);
  }
  if (!nonNegativeInt(p.planGraceDays)) problems.push('planGraceDays must be a whole number ≥ 0');
  if (problems.length) throw new Error(`invalid arrears policy: ${problems.join('; ')}`);
  return p;
}

/** The ladder step of a stage for a tier. */
export function stepOf(policy: ArrearsPolicy, tier: Tier, stage: Stage): LadderStep {
  const step = policy.ladders[tier].find((s) => s.stage === stage);
  if (!step) throw new Error(`arrears policy: tier ${tier} has no ${stage} stage`);
  return step;
}
