import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Bill, PeriodUsage } from '../billing/bill.ts';
import { computeBill } from '../billing/compute-bill.ts';
import type { Segment } from '../classification/classify.ts';
import type { Customer } from '../customers/customer-master.ts';
import type { Tariff } from '../tariffs/tariff.ts';
import { DEFAULT_BANDS, DEFAULT_FORECAST, type ForecastConfig } from '../config.ts';
import { forecastNextMonth, isForecast, type Forecast } from '../forecast/forecast.ts';
import { scheduleOn } from '../tariffs/parse-tariff.ts';
import type { BandSchedule, DailyUsage } from '../usage/daily-usage.ts';
import type { PeerGroupFigures } from '../use-cases/statement-ports.ts';
import type { ExpectedNext, Statement } from './statement.ts';
import { customerAdvice } from './advice.ts';

export interface PeriodRange {
  period: string;
  from: string;
  to: string;
  days: number;
}

/** The calendar month `yyyy-mm` as local days. */
export function periodRange(period: string): PeriodRange {
  const start = DateTime.fromFormat(period, 'yyyy-MM', { zone: 'UTC' });
  if (!start.isValid) throw new Error(`period "${period}" is not yyyy-mm`);
  const end = start.endOf('month');
  return { period, from: start.toISODate()!, to: end.toISODate()!, days: end.day };
}

export function shiftPeriod(period: string, months: number): string {
  return DateTime.fromFormat(period, 'yyyy-MM', { zone: 'UTC' }).plus({ months }).toFormat('yyyy-MM');
}

export function periodUsage(range: PeriodRange, days: readonly DailyUsage[]): PeriodUsage {
  return {
    from: range.from,
    to: range.to,
    days: days
      .filter((d) => d.day >= range.from && d.day <= range.to)
      .sort((a, b) => (a.day < b.day ? -1 : 1))
      .map((d) => ({
        day: d.day,
        kwh: d.kwh,
        bands: d.bands,
        maxDemandKw: d.maxDemandKw,
        kvarh: d.kvarh,
        estimated: d.intervals.estimated,
        missing: d.intervals.missing,
        hourly: d.hourly,
      })),
  };
}

export interface ComposeInput {
  customer: Customer;
  tariff: Tariff;
  period: string;
  /**
   * Usage of the period, the previous period and the same period a year earlier; for "expected next month" also the
   * history before it (up to the forecast's `maxHistoryDays`). Days after the period are ignored.
   */
  days: readonly DailyUsage[];
  /** Band schedule for next month's forecast when the tariff has no version for it (the configured bands). */
  bands?: BandSchedule;
  forecast?: ForecastConfig;
  segment?: Segment;
  peers?: PeerGroupFigures;
  issuedOn: string;
  dueDays: number;
}

export type ComposedStatement = Omit<Statement, 'version' | 'correction'>;

/**
 * Everything a statement says, computed from stored data only, so a re-run with the same data gives the same
 * content (and content hash) and therefore no new version. Returns null when the period has no usage.
 */
export function composeStatement(input: ComposeInput): ComposedStatement | null {
  const range = periodRange(input.period);
  const usage = periodUsage(range, input.days);
  if (usage.days.length === 0) return null;
  const bill = computeBill({ customer: input.customer, tariff: input.tariff, usage, periodDays: range.days });
  const compare = (period: string): { period: string; kwh: string; total: string } | null => {
    const r = periodRange(period);
    const u = periodUsage(r, input.days);
    if (u.days.length === 0) return null;
    try {
      const b: Bill = computeBill({ customer: input.customer, tariff: input.tariff, usage: u, periodDays: r.days });
      return { period, kwh: b.kwh, total: b.total };
    } catch {
      return null; // no tariff version covered that period
    }
  };
  const daily = usage.days.map((d) => ({ day: d.day, kwh: d.kwh, maxDemandKw: d.maxDemandKw, estimated: d.estimated, missing: d.missing }));
  const seg = input.segment;
  const group = seg && input.peers?.groups.find((g) => g.group === seg.peerGroup);
  const content = {
    customerId: input.customer.customerId,
    period: input.period,
    tariffId: input.tariff.id,
    tariffName: input.tariff.name,
    bill,
    daily,
  };
  return {
    ...content,
    issuedOn: input.issuedOn,
    dueDate: DateTime.fromISO(input.issuedOn, { zone: 'UTC' }).plus({ days: input.dueDays }).toISODate()!,
    comparison: { previousPeriod: compare(shiftPeriod(input.period, -1)), sameLastYear: compare(shiftPeriod(input.period, -12)) },
    segment: seg
      ? { tier: seg.tier, pattern: seg.pattern, trend: seg.trend, peerGroup: seg.peerGroup, actions: customerAdvice(seg.playbook ?? [], input.customer.locale) }
      : null,
    peers:
      seg && group
        ? {
            groupSize: group.size,
            medianAvgDailyKwh: group.median.avgDailyKwh,
            customerAvgDailyKwh: seg.features.avgDailyKwh,
            medianLoadFactor: group.median.loadFactor,
            customerLoadFactor: seg.features.loadFactor,
          }
        : null,
    expectedNext: expectedNext(input, range),
    // What was billed decides the version: issue date, advice, comparisons and the expected next month do not make a
    // correction (the forecast reads only days up to the period's end, so a later day cannot change it anyway; a
    // restated day of an earlier month could, and that alone is no reason to send the customer a corrected bill).
    contentHash: createHash('sha256').update(JSON.stringify(content)).digest('hex'),
  };
}

/**
 * Next month's forecast from the days up to the period's last day (never later ones: the same stored days give the
 * same statement whenever it is composed), banded with the tariff's schedule in force next month (the configured bands
 * when the tariff has none yet) and billed by the tariff. Null when the history is too short for a forecast.
 */
export function expectedNext(input: Pick<ComposeInput, 'customer' | 'tariff' | 'days' | 'bands' | 'forecast'>, range: PeriodRange): ExpectedNext | null {
  const next = periodRange(shiftPeriod(range.period, 1));
  const bands = scheduleOn(input.tariff, next.from, input.bands ?? DEFAULT_BANDS);
  const f = forecastNextMonth({ days: input.days, asOf: range.to, bands, tariff: input.tariff, customer: input.customer, config: input.forecast ?? DEFAULT_FORECAST });
  return isForecast(f) ? forecastFigures(f) : null;
}

/** A forecast's headline figures as customers and `kam local --json` see them: whole kWh, kW to one decimal, the bill. */
export function forecastFigures(f: Forecast): ExpectedNext {
  return {
    period: f.period,
    kwh: Math.round(f.kwh),
    kwhLow: Math.round(f.kwhLow),
    kwhHigh: Math.round(f.kwhHigh),
    maxDemandKw: Math.round(f.maxDemandKw * 10) / 10,
    ...(f.bill ? { bill: f.bill } : {}),
  };
}
