import type { Band } from '../usage/daily-usage.ts';
import type { BasicChargeMode, DecimalString, Localized } from '../tariffs/tariff.ts';

export type LineCode =
  | `energy-${Band}`
  | `surcharge-${string}`
  | 'basic-capacity'
  | 'basic-contract-demand'
  | 'basic-actual-demand'
  | 'power-factor-adjustment';

/** One charge line; `amount` is rounded half-up to 0.01 and the bill total is the sum of the lines. */
export interface BillLine {
  code: LineCode;
  label: Localized;
  /** kWh, kVA, kW or percent, with its unit; rate per unit; both as decimal strings. */
  quantity: DecimalString;
  unit: 'kWh' | 'kVA' | 'kW' | '%';
  rate: DecimalString;
  amount: DecimalString;
  /** For lines of a tariff version that covers part of the period. */
  from?: string;
  to?: string;
  /** Working shown in words, e.g. "(1.05 × 800 + 2 × (900 − 840)) × 48". */
  detail?: string;
}

/** Usage of a billing period, summed from daily usage (the billing engine's input). */
export interface PeriodUsage {
  from: string; // first local day, inclusive
  to: string; // last local day, inclusive
  /** Daily usage in the period, one per day present. */
  days: { day: string; kwh: number; bands: Record<Band, number>; maxDemandKw: number; kvarh: number | null; estimated: number; missing: number; hourly: number[] }[];
}

export interface Bill {
  currency: string;
  from: string;
  to: string;
  kwh: DecimalString;
  bandKwh: Record<Band, DecimalString>;
  maxDemandKw: DecimalString;
  kvarh: DecimalString | null;
  /** kWh / √(kWh² + kvarh²) rounded half-up to 2 decimals; null without kvarh (no adjustment then, flagged). */
  powerFactor: DecimalString | null;
  pfStandard: '0.90' | '0.85' | '0.80' | null;
  /** Adjustment percentage applied to basic + energy (negative = credit); null when not applied. */
  pfAdjustmentPercent: DecimalString | null;
  basicMode: BasicChargeMode | null;
  lines: BillLine[];
  total: DecimalString;
  /** Data-quality flags: estimated or missing intervals were billed; PF could not be computed; etc. */
  quality: { estimatedIntervals: number; missingIntervals: number; missingDays: number; flags: ('estimated' | 'missing' | 'no-kvarh')[] };
}
