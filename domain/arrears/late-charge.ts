import type { Decimal } from 'decimal.js';
import { Dec, money, ZERO } from '../billing/decimal.ts';
import { formatNumber } from '../statements/render-format.ts';
import { nextDay } from '../time/zone.ts';
import type { Receivable } from './ledger.ts';
import type { ArrearsPolicy } from './policy.ts';

/**
 * Late-payment charge (电费违约金), per the Supply Business Rules: "from the day it is overdue up to the day it is
 * paid" (从逾期之日起计算至交纳日止), per day on the overdue amount, 0.2% for arrears of the current year and 0.3% for
 * arrears carried from earlier years, at least 1 unit in total (rates and minimum from the policy).
 *
 * Conventions:
 * - Days counted: from the day after the due date up to and including `asOf`.
 * - The overdue amount of a day is `balanceOn(day)`; `decide.ts` passes the balance at the START of the day, so a
 *   payment on day D still accrues on day D (the payment day is the last day counted, "至交纳日止") and lowers the
 *   base from D + 1 on. A day whose overdue amount is 0 is not counted.
 * - Rate of a day: current-year rate when the day is in the calendar year of the statement's period, cross-year
 *   rate when it is in a later year (a December statement unpaid in January is cross-year from 1 January).
 * - Arithmetic is exact per day; the sum is rounded half-up to 0.01 once, at the end, then raised to the minimum when
 *   at least one day counted. The charge is never compounded (no charge on a charge).
 */

export interface LateChargeInput {
  receivable: Pick<Receivable, 'period' | 'dueDate'> & Partial<Pick<Receivable, 'key' | 'currency'>>;
  /** The overdue amount of a day. */
  balanceOn: (day: string) => Decimal;
  asOf: string;
  policy: Pick<ArrearsPolicy, 'lateCharge'>;
}

export interface LateChargeResult {
  /** Rounded half-up to 0.01, at least the minimum when days > 0, else "0.00". */
  amount: string;
  /** Days counted (overdue with a positive overdue amount). */
  days: number;
  /** The arithmetic in words. */
  detail: string;
}

interface Run {
  from: string;
  to: string;
  days: number;
  base: Decimal;
  rate: Decimal;
  crossYear: boolean;
}

const pct = (rate: Decimal): string => `${rate.times(100).toString()}%`;

export function lateCharge(input: LateChargeInput): LateChargeResult {
  const { receivable, balanceOn, asOf, policy } = input;
  const current = new Dec(policy.lateCharge.currentYearDailyRate);
  const cross = new Dec(policy.lateCharge.crossYearDailyRate);
  const minimum = money(new Dec(policy.lateCharge.minimum));
  const periodYear = receivable.period.slice(0, 4);

  const runs: Run[] = [];
  let sum: Decimal = ZERO;
  let days = 0;
  for (let d = nextDay(receivable.dueDate); d <= asOf; d = nextDay(d)) {
    const base = balanceOn(d);
    if (!base.gt(0)) continue;
    const crossYear = d.slice(0, 4) > periodYear;
    const rate = crossYear ? cross : current;
    sum = sum.plus(base.times(rate));
    days++;
    const last = runs.at(-1);
    if (last && last.base.eq(base) && last.crossYear === crossYear && nextDay(last.to) === d) {
      last.to = d;
      last.days++;
    } else {
      runs.push({ from: d, to: d, days: 1, base, rate, crossYear });
    }
  }

  if (days === 0) {
    const why = asOf <= receivable.dueDate ? `not overdue on ${asOf} (due ${receivable.dueDate})` : `nothing overdue from ${nextDay(receivable.dueDate)} to ${asOf}`;
    return { amount: '0.00', days: 0, detail: `${why}: no late-payment charge` };
  }
  const rounded = money(sum);
  const amount = rounded.lt(minimum) ? minimum : rounded;
  const lines = runs.map(
    (r) =>
      `${r.from === r.to ? r.from : `${r.from}..${r.to}`}: ${r.days} day${r.days === 1 ? '' : 's'} × ${formatNumber(r.base, 2)} × ` +
      `${pct(r.rate)} (${r.crossYear ? 'carried from an earlier year' : 'current year'}) = ${formatNumber(r.base.times(r.rate).times(r.days), undefined, 10)}`,
  );
  const total = `sum ${formatNumber(sum, undefined, 10)} → ${formatNumber(rounded, 2)} (half-up to 0.01)`;
  const floor = rounded.lt(minimum) ? `, below the minimum → ${formatNumber(minimum, 2)}` : '';
  return { amount: amount.toFixed(2), days, detail: `${lines.join('; ')}; ${total}${floor}` };
}
