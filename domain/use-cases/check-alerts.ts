import { Decimal } from 'decimal.js';
import type { Alert, AlertJob, BillFigures, DemandFigures } from '../alerts/alert.ts';
import type { PeriodUsage } from '../billing/bill.ts';
import { computeBill } from '../billing/compute-bill.ts';
import type { Customer } from '../customers/customer-master.ts';
import { periodRange, periodUsage, shiftPeriod } from '../statements/compose-statement.ts';
import type { OutboxClaim } from './mail-ports.ts';
import type { JobQueue } from './run-statements.ts';
import type { CustomerRepository, UsageRepository } from './ports.ts';
import type { StatementStore, TariffStore } from './statement-ports.ts';

export interface AlertStore {
  /** Creates the alert unless one of its kind exists for the customer and period; 'pending' = exists, not yet sent. */
  raise(alert: Alert): Promise<'created' | 'pending' | 'done'>;
  get(customerId: string, period: string, kind: Alert['kind']): Promise<(Alert & { email: { state: string } }) | undefined>;
  claimEmail(job: AlertJob, now: Date, leaseMs: number): Promise<OutboxClaim>;
  /** Conditional on the current state (see OutboxState); false when nothing was written. */
  markEmail(job: AlertJob, state: 'sent' | 'suppressed' | 'failed' | 'unknown', detail: { messageId?: string; at: Date; error?: string; lease: number }): Promise<boolean>;
}

export interface AlertSettings {
  /** Max demand above this share of contract demand raises a demand alert (default 0.95; above 1.05 costs double). */
  demandShare: number;
  /** Projected bill above the last one by more than this share raises a bill alert (default 0.20). */
  billIncrease: number;
}

/**
 * Interim alerts after an ingest (the seed: tell large customers in advance, so they can adjust before the bill).
 * For each touched customer's open period (the month of its latest day): max demand against contract demand, and the
 * bill projected to the month's end against the last one. At most one alert per customer, period and kind.
 */
export function checkAlerts(
  ports: {
    customers: CustomerRepository;
    usage: UsageRepository;
    tariffs: TariffStore;
    statements: Pick<StatementStore, 'latest'>;
    alerts: AlertStore;
    queue: JobQueue<AlertJob>;
    latestDay: (customerId: string) => Promise<string | undefined>;
    clock: () => Date;
  },
  settings: AlertSettings,
) {
  return async (touched: ReadonlySet<string>, correlationId?: string): Promise<{ raised: number }> => {
    const customers = new Map((await ports.customers.all()).map((c) => [c.customerId, c]));
    const jobs: AlertJob[] = [];
    for (const id of touched) {
      const customer = customers.get(id);
      const last = await ports.latestDay(id);
      if (!customer || !last) continue;
      const period = last.slice(0, 7);
      const range = periodRange(period);
      const days = await ports.usage.range(id, periodRange(shiftPeriod(period, -1)).from, range.to);
      const usage = periodUsage(range, days);
      if (usage.days.length === 0) continue;
      const raised: Alert[] = [];
      const demand = demandAlert(customer, usage, settings);
      if (demand) raised.push({ customerId: id, period, kind: 'demand', figures: demand, raisedAt: ports.clock().toISOString() });
      const tariff = await ports.tariffs.get(customer.tariffId);
      if (tariff) {
        const bill = await billAlert(customer, tariff, period, usage, days, ports.statements, settings);
        if (bill) raised.push({ customerId: id, period, kind: 'bill', figures: bill, raisedAt: ports.clock().toISOString() });
      }
      for (const alert of raised) {
        // 'pending' re-queues an alert whose earlier queueing may have been lost; the sender dedupes by claim.
        if ((await ports.alerts.raise(alert)) !== 'done') jobs.push({ customerId: id, period, kind: alert.kind, ...(correlationId ? { correlationId } : {}) });
      }
    }
    if (jobs.length) await ports.queue.enqueue(jobs);
    return { raised: jobs.length };
  };
}

export function demandAlert(customer: Pick<Customer, 'contractKw'>, usage: PeriodUsage, settings: AlertSettings): DemandFigures | null {
  if (!customer.contractKw) return null;
  let max = 0;
  let day = '';
  for (const d of usage.days) if (d.maxDemandKw > max) ((max = d.maxDemandKw), (day = d.day));
  const share = max / customer.contractKw;
  return share >= settings.demandShare ? { maxDemandKw: max, day, contractKw: customer.contractKw, share, thresholdShare: settings.demandShare } : null;
}

async function billAlert(
  customer: Customer,
  tariff: Parameters<typeof computeBill>[0]['tariff'],
  period: string,
  usage: PeriodUsage,
  days: Awaited<ReturnType<UsageRepository['range']>>,
  statements: Pick<StatementStore, 'latest'>,
  settings: AlertSettings,
): Promise<BillFigures | null> {
  const projected = projectBill(customer, tariff, period, usage);
  if (projected === null) return null;
  const n = usage.days.length;
  const range = periodRange(period);
  let previous: string | undefined;
  const lastPeriod = shiftPeriod(period, -1);
  try {
    previous = (await statements.latest(customer.customerId, lastPeriod))?.bill.total;
    if (previous === undefined) {
      const prevRange = periodRange(lastPeriod);
      const prevUsage = periodUsage(prevRange, days);
      // Only a complete previous month is a fair comparison.
      if (prevUsage.days.length === prevRange.days) previous = computeBill({ customer, tariff, usage: prevUsage, periodDays: prevRange.days }).total;
    }
  } catch {
    return null; // the tariff cannot bill this customer (missing contract figure, no version): no projection
  }
  if (previous === undefined || new Decimal(previous).lte(0)) return null;
  const increase = new Decimal(projected).div(previous).minus(1).toNumber();
  if (increase <= settings.billIncrease) return null;
  return {
    currency: tariff.currency,
    projectedTotal: projected,
    lastTotal: previous,
    lastPeriod,
    increase,
    thresholdIncrease: settings.billIncrease,
    daysCovered: n,
    periodDays: range.days,
  };
}

/**
 * The period's bill projected to its end: the days still to come are taken as the average day so far. Null when the
 * tariff cannot bill the customer (a missing contract figure, no version for the period) or there is no day yet.
 */
export function projectBill(customer: Customer, tariff: Parameters<typeof computeBill>[0]['tariff'], period: string, usage: PeriodUsage): string | null {
  const range = periodRange(period);
  if (usage.days.length === 0) return null;
  // Projection: the days still to come are taken as the average day so far.
  const n = usage.days.length;
  const avg = usage.days.reduce(
    (a, d) => ({
      kwh: a.kwh + d.kwh / n,
      bands: { sharp: a.bands.sharp + d.bands.sharp / n, peak: a.bands.peak + d.bands.peak / n, flat: a.bands.flat + d.bands.flat / n, valley: a.bands.valley + d.bands.valley / n },
      kvarh: d.kvarh === null || a.kvarh === null ? null : a.kvarh + d.kvarh / n,
    }),
    { kwh: 0, bands: { sharp: 0, peak: 0, flat: 0, valley: 0 }, kvarh: 0 as number | null },
  );
  const have = new Set(usage.days.map((d) => d.day));
  const projectedDays = [...usage.days];
  for (let d = new Date(`${range.from}T00:00:00Z`); d.toISOString().slice(0, 10) <= range.to; d = new Date(d.getTime() + 86_400_000)) {
    const day = d.toISOString().slice(0, 10);
    if (!have.has(day)) projectedDays.push({ day, kwh: avg.kwh, bands: avg.bands, maxDemandKw: 0, kvarh: avg.kvarh, estimated: 0, missing: 0, hourly: [] });
  }
  try {
    return computeBill({ customer, tariff, usage: { ...usage, days: projectedDays }, periodDays: range.days }).total;
  } catch {
    return null;
  }
}
