import { periodRange, shiftPeriod } from '../statements/compose-statement.ts';
import type { BandSchedule } from '../usage/daily-usage.ts';
import type { ForecastConfig } from '../config.ts';
import { baselineNextMonth } from './baseline.ts';
import { forecastNextMonth, isForecast, type ForecastDay, type ForecastInput, type ForecastResult } from './forecast.ts';

export type Forecaster = (input: ForecastInput) => ForecastResult;

export interface MonthResult {
  period: string;
  actualKwh: number;
  actualMaxKw: number;
  model: { kwh: number; maxDemandKw: number; inInterval: boolean };
  baseline: { kwh: number; maxDemandKw: number };
}

export interface Mape {
  /** Mean absolute percentage error as a fraction (0.05 = 5%), over months with a positive actual; null without any. */
  kwh: number | null;
  maxDemand: number | null;
}

export interface CustomerBacktest {
  customerId: string;
  months: MonthResult[];
  model: Mape;
  baseline: Mape;
}

export interface Backtest {
  customers: CustomerBacktest[];
  /** Pooled over every customer-month. */
  model: Mape;
  baseline: Mape;
  /** Share of customer-months whose actual kWh fell inside the model's interval. */
  coverage: number | null;
  months: number;
}

export interface BacktestOptions {
  bands: BandSchedule;
  config?: ForecastConfig;
  model?: Forecaster;
  baseline?: Forecaster;
}

/** Mean of |forecast − actual| / actual over the pairs with a positive actual; null when there is none. */
export function mape(pairs: readonly { forecast: number; actual: number }[]): number | null {
  const ok = pairs.filter((p) => p.actual > 0);
  return ok.length === 0 ? null : ok.reduce((a, p) => a + Math.abs(p.forecast - p.actual) / p.actual, 0) / ok.length;
}

function mapes(months: readonly MonthResult[], who: 'model' | 'baseline'): Mape {
  return {
    kwh: mape(months.map((m) => ({ forecast: m[who].kwh, actual: m.actualKwh }))),
    maxDemand: mape(months.map((m) => ({ forecast: m[who].maxDemandKw, actual: m.actualMaxKw }))),
  };
}

/**
 * Replays one customer's history month by month: each calendar month M whose every day has data is forecast from the
 * days before M only, by the model and by the baseline, and compared with M's actual kWh and maximum demand. A month
 * either method declines (too little history) is left out for both, so the two are compared on the same months.
 */
export function backtestCustomer(customerId: string, days: readonly ForecastDay[], opts: BacktestOptions): CustomerBacktest {
  const model = opts.model ?? forecastNextMonth;
  const baseline = opts.baseline ?? baselineNextMonth;
  const sorted = [...days].sort((a, b) => (a.day < b.day ? -1 : 1));
  const months: MonthResult[] = [];
  if (sorted.length > 0) {
    const byDay = new Map(sorted.map((d) => [d.day, d]));
    const last = sorted[sorted.length - 1]!.day.slice(0, 7);
    for (let p = shiftPeriod(sorted[0]!.day.slice(0, 7), 1); p <= last; p = shiftPeriod(p, 1)) {
      const r = periodRange(p);
      const actual = [...byDay.values()].filter((d) => d.day >= r.from && d.day <= r.to);
      if (actual.length !== r.days) continue;
      const before = sorted.filter((d) => d.day < r.from);
      const input: ForecastInput = { days: before, period: p, bands: opts.bands, ...(opts.config ? { config: opts.config } : {}) };
      const m = model(input);
      const b = baseline(input);
      if (!isForecast(m) || !isForecast(b)) continue;
      const actualKwh = actual.reduce((a, d) => a + d.kwh, 0);
      months.push({
        period: p,
        actualKwh,
        actualMaxKw: actual.reduce((a, d) => Math.max(a, d.maxDemandKw), 0),
        model: { kwh: m.kwh, maxDemandKw: m.maxDemandKw, inInterval: actualKwh >= m.kwhLow && actualKwh <= m.kwhHigh },
        baseline: { kwh: b.kwh, maxDemandKw: b.maxDemandKw },
      });
    }
  }
  return { customerId, months, model: mapes(months, 'model'), baseline: mapes(months, 'baseline') };
}

/** The backtest of every customer, with MAPE pooled over all customer-months. */
export function backtest(customers: readonly { customerId: string; days: readonly ForecastDay[] }[], opts: BacktestOptions): Backtest {
  const results = customers.map((c) => backtestCustomer(c.customerId, c.days, opts));
  const all = results.flatMap((r) => r.months);
  return {
    customers: results,
    model: mapes(all, 'model'),
    baseline: mapes(all, 'baseline'),
    coverage: all.length === 0 ? null : all.filter((m) => m.model.inInterval).length / all.length,
    months: all.length,
  };
}
