import type { ClassificationConfig } from '../config.ts';
import type { Features } from './features.ts';
import { fmt2, fmtInt, fmtPct, fmtSignedPct } from './format.ts';
import type { Pattern } from './pattern.ts';
import type { Tier } from './tier.ts';
import type { Trend } from './trend.ts';

export interface PlaybookOptions {
  currency: string;
  /** Peak minus valley energy price per kWh; 0.6 CNY/kWh is typical of provincial large-industry TOU tariffs. */
  priceSpread: number;
  /** Share of peak (incl. sharp) kWh a customer can usually move to valley hours. */
  shiftableShare: number;
  /** Peak + sharp share from which valley shifting is advised (a flat load has 33% under the default bands). */
  peakHeavyShare: number;
  /** Power factor below which reactive compensation is advised. */
  lowPowerFactor: number;
  /** Max demand above this multiple of contract kW is charged at double price. */
  contractDemandLimit: number;
  /** A month for the saving figure. */
  daysPerMonth: number;
}

export const DEFAULT_PLAYBOOK_OPTIONS: PlaybookOptions = {
  currency: 'CNY',
  priceSpread: 0.6,
  shiftableShare: 0.1,
  peakHeavyShare: 0.4,
  lowPowerFactor: 0.9,
  contractDemandLimit: 1.05,
  daysPerMonth: 30,
};

export type ActionCode =
  | 'dedicated-manager'
  | 'visit'
  | 'review-contract-demand'
  | 'valley-shifting'
  | 'reactive-compensation'
  | 'check-production-plans'
  | 'confirm-valley-tariff'
  | 'reliability-check'
  | 'meter-check'
  | 'review-capacity';

export interface PlaybookAction {
  code: ActionCode;
  /** English text for the account manager. */
  text: string;
  /** valley-shifting only: estimated saving per month, in `currency`, rounded to 0.01. */
  savingPerMonth?: number;
}

export interface PlaybookInput {
  tier: Tier;
  pattern: Pattern;
  trend: Trend;
  features: Features;
  contractKw?: number;
}

type PlaybookConfig = Pick<ClassificationConfig, 'windowDays' | 'visitDecline' | 'volatileCv'>;

/**
 * Estimated monthly saving from moving `shiftableShare` of the window's peak (incl. sharp) kWh to valley hours:
 * window peak kWh × share × spread, scaled from the covered days to `daysPerMonth`.
 */
export function valleyShiftSaving(f: Features, options: PlaybookOptions = DEFAULT_PLAYBOOK_OPTIONS): number {
  if (f.days === 0) return 0;
  const peakKwh = f.windowKwh * f.peakShare;
  const saving = ((peakKwh * options.shiftableShare * options.priceSpread) / f.days) * options.daysPerMonth;
  return Math.round(saving * 100) / 100;
}

/** Recommended actions for a segment, always in the order of `ActionCode`. */
export function playbook(
  input: PlaybookInput,
  cfg: PlaybookConfig,
  overrides: Partial<PlaybookOptions> = {},
): PlaybookAction[] {
  const o: PlaybookOptions = { ...DEFAULT_PLAYBOOK_OPTIONS, ...overrides };
  const f = input.features;
  const out: PlaybookAction[] = [];

  if (input.tier === 'A') {
    out.push({ code: 'dedicated-manager', text: 'Assign a dedicated account manager and a priority service channel.' });
  }
  if (f.change !== null && f.change < -cfg.visitDecline) {
    out.push({
      code: 'visit',
      text: `Visit the customer: average daily kWh ${fmtSignedPct(f.change)} vs the previous ${cfg.windowDays} days (visit threshold -${fmtPct(cfg.visitDecline)}); ask about production changes and plans.`,
    });
  }
  if (input.contractKw !== undefined && input.contractKw > 0 && f.maxDemandKw > input.contractKw * o.contractDemandLimit) {
    out.push({
      code: 'review-contract-demand',
      text: `Review the contract demand: max demand ${fmtInt(f.maxDemandKw)} kW exceeds ${fmtPct(o.contractDemandLimit)} of the contracted ${fmtInt(input.contractKw)} kW, and the excess is charged at double price.`,
    });
  }
  if (f.peakShare >= o.peakHeavyShare && f.days > 0) {
    const saving = valleyShiftSaving(f, o);
    out.push({
      code: 'valley-shifting',
      text: `Advise shifting load to valley hours: peak and sharp hours carry ${fmtPct(f.peakShare)} of kWh; moving ${fmtPct(o.shiftableShare)} of it saves about ${fmtInt(saving)} ${o.currency} per month (spread ${o.priceSpread.toFixed(2)} ${o.currency}/kWh).`,
      savingPerMonth: saving,
    });
  }
  if (f.powerFactor !== null && f.powerFactor < o.lowPowerFactor) {
    out.push({
      code: 'reactive-compensation',
      text: `Recommend reactive compensation: power factor ${fmt2(f.powerFactor)} is below ${fmt2(o.lowPowerFactor)} and draws a power-factor surcharge.`,
    });
  }
  // Checked on the CV itself, so a declining or growing customer that is also volatile still gets it.
  if (input.trend === 'volatile' || f.dailyCv > cfg.volatileCv) {
    out.push({
      code: 'check-production-plans',
      text: `Check production plans and metering: day-to-day CV ${fmt2(f.dailyCv)} against the weekly rhythm is above ${fmt2(cfg.volatileCv)}.`,
    });
  }
  if (input.pattern === 'night-shift') {
    out.push({
      code: 'confirm-valley-tariff',
      text: `Confirm the customer is billed on a time-of-use tariff with valley prices: valley share ${fmtPct(f.valleyShare)}, night share ${fmtPct(f.nightShare)}.`,
    });
  }
  if (input.pattern === 'continuous') {
    out.push({
      code: 'reliability-check',
      text: `Check supply reliability (dual supply, backup, planned-outage notice): round-the-clock load, load factor ${fmt2(f.loadFactor)}.`,
    });
  }
  if (input.pattern === 'irregular') {
    out.push({
      code: 'meter-check',
      text: 'Check data quality and the meter: the daily shape does not repeat.',
    });
  }
  if (input.trend === 'growing' && f.change !== null) {
    out.push({
      code: 'review-capacity',
      text: `Review contract capacity and supply needs: average daily kWh ${fmtSignedPct(f.change)} vs the previous ${cfg.windowDays} days.`,
    });
  }
  return out;
}
