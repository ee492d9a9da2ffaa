import { Decimal } from 'decimal.js';
import { Dec } from './decimal.ts';

export type PfStandardText = '0.90' | '0.85' | '0.80';

/**
 * Monthly power factor kWh / √(kWh² + kvarh²), rounded half-up to 2 decimals (computed with 40 significant
 * digits, so the rounding decision is exact: a raw value can only sit exactly on a half when the square root is
 * rational, and it then is computed exactly). Throws a RangeError for negative figures or kWh = kvarh = 0.
 */
export function powerFactor(kwh: Decimal, kvarh: Decimal): Decimal {
  const p = new Dec(kwh);
  const q = new Dec(kvarh);
  if (p.isNeg() || q.isNeg() || !p.isFinite() || !q.isFinite()) throw new RangeError(`power factor needs kWh and kvarh ≥ 0, got ${p} and ${q}`);
  if (p.isZero() && q.isZero()) throw new RangeError('power factor is undefined when kWh and kvarh are both 0');
  return p.div(p.times(p).plus(q.times(q)).sqrt()).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** One standard's table, power factors in hundredths. */
interface Table {
  /** Standard in hundredths (90, 85, 80). */
  std: number;
  /** Percent (negative = credit) for a power factor above the standard. */
  credit: (h: number) => Decimal;
  /** Lowest power factor (hundredths) of the +0.5%-per-0.01 row, then of the +1%-per-0.01 row. */
  halfDown: number;
  oneDown: number;
}

const d = (x: number | string): Decimal => new Dec(x);
const step = (h: number, std: number, per: string): Decimal => d(per).times(h - std);

const TABLES: Record<PfStandardText, Table> = {
  // 0.90: ≥0.95 → −0.75%; 0.91..0.94 → −0.15% per 0.01 above 0.90;
  //       0.89..0.70 → +0.5% per 0.01 below 0.90; 0.69..0.65 → +1% per further 0.01; ≤0.64 → +2% per further 0.01.
  '0.90': { std: 90, credit: (h) => (h >= 95 ? d('-0.75') : step(h, 90, '-0.15')), halfDown: 70, oneDown: 65 },
  // 0.85: ≥0.94 → −1.10%; 0.93 → −0.95%; 0.92 → −0.80%; 0.91 → −0.65%; 0.86..0.90 → −0.1% per 0.01 above 0.85;
  //       0.84..0.65 → +0.5% per 0.01; 0.64..0.60 → +1% per 0.01; ≤0.59 → +2% per further 0.01.
  '0.85': {
    std: 85,
    credit: (h) => (h >= 94 ? d('-1.10') : h === 93 ? d('-0.95') : h === 92 ? d('-0.80') : h === 91 ? d('-0.65') : step(h, 85, '-0.1')),
    halfDown: 65,
    oneDown: 60,
  },
  // 0.80: ≥0.92 → −1.30%; 0.91 → −1.15%; 0.81..0.90 → −0.1% per 0.01 above 0.80;
  //       0.79..0.60 → +0.5% per 0.01; 0.59..0.55 → +1% per 0.01; ≤0.54 → +2% per further 0.01.
  '0.80': { std: 80, credit: (h) => (h >= 92 ? d('-1.30') : h === 91 ? d('-1.15') : step(h, 80, '-0.1')), halfDown: 60, oneDown: 55 },
};

/**
 * The power-factor adjustment percentage (negative = credit) of the 1983 power-factor adjustment rules
 * (功率因数调整电费办法) for a monthly power factor already rounded to 2 decimals, per DOMAIN.md:
 * below the standard +0.5% per 0.01 down to the "+10%" row, then +1% per further 0.01 for five rows (to +15%),
 * then +2% per further 0.01 without limit.
 */
export function pfAdjustmentPercent(pf: Decimal, standard: PfStandardText): Decimal {
  const t = TABLES[standard];
  if (!t) throw new RangeError(`unknown power-factor standard ${String(standard)}`);
  const p = new Dec(pf);
  if (!p.isFinite() || p.isNeg() || p.gt(1)) throw new RangeError(`power factor ${p} is not between 0 and 1`);
  if (p.decimalPlaces() > 2) throw new RangeError(`power factor ${p} must be rounded to 2 decimals first`);
  const h = p.times(100).toNumber(); // an exact integer 0..100
  if (h > t.std) return t.credit(h);
  if (h >= t.halfDown) return d('0.5').times(t.std - h); // standard itself → 0
  const atHalfDown = d('0.5').times(t.std - t.halfDown); // 10%
  if (h >= t.oneDown) return atHalfDown.plus(t.halfDown - h);
  const atOneDown = atHalfDown.plus(t.halfDown - t.oneDown); // 15%
  return atOneDown.plus(2 * (t.oneDown - h));
}

/** '0.90' | '0.85' | '0.80' | null from the customer master's number. */
export function pfStandardText(standard: number | null): PfStandardText | null {
  if (standard === null) return null;
  if (standard === 0.9) return '0.90';
  if (standard === 0.85) return '0.85';
  if (standard === 0.8) return '0.80';
  throw new RangeError(`power-factor standard ${standard} is not 0.90, 0.85 or 0.80`);
}
