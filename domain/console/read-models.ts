import { Decimal } from 'decimal.js';
import type { Customer } from '../customers/customer-master.ts';
import type { Segment } from '../classification/classify.ts';
import type { CustomerInsights } from '../insights/insights.ts';
import { DATA_KINDS, type Anomaly } from '../anomalies/anomaly.ts';
import { isForecast, type ForecastResult } from '../forecast/forecast.ts';
import { DEFAULT_FORECAST } from '../config.ts';
import type { Alert } from '../alerts/alert.ts';
import type { Payment } from '../payments/payment-file.ts';
import type { Hold } from '../arrears/decide.ts';
import { holdEnd } from '../arrears/decide.ts';
import { allocatePayments } from '../arrears/ledger.ts';
import { DEFAULT_ARREARS_POLICY } from '../arrears/policy.ts';
import { furthestNotice, STAGES, type Stage } from '../arrears/policy.ts';
import type { ArrearsStore, StoredNotice } from '../use-cases/arrears-ports.ts';
import type { ConsoleStore } from './ports.ts';
import type { UsageRepository } from '../use-cases/ports.ts';
import type { PeerGroupFigures, StatementStore, StoredStatement, TariffStore } from '../use-cases/statement-ports.ts';
import { periodRange, periodUsage } from '../statements/compose-statement.ts';
import { projectBill } from '../use-cases/check-alerts.ts';
import { dayKeyOfEpochDay, epochDayOf } from '../time/zone.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import { renderStatementEmail, type RenderOptions } from '../statements/render-email.ts';
import { canRead, canWrite, Forbidden, type Caller, type CustomerScope } from './caller.ts';

/** What the console's read models read; each is an existing store's method (functions/adapters). */
export interface ConsoleReadPorts {
  customers: {
    /** Every customer with its current segment (the customer master's listing). */
    list(): Promise<(Customer & { segment?: Segment; insights?: CustomerInsights })[]>;
    get(id: string): Promise<(Customer & { segment?: Segment; insights?: CustomerInsights }) | undefined>;
  };
  segments: { history(customerId: string): Promise<Segment[]>; latestDay(customerId: string): Promise<string | undefined> };
  usage: Pick<UsageRepository, 'range'>;
  tariffs: Pick<TariffStore, 'get'>;
  statements: Pick<StatementStore, 'history'>;
  peers: { get(): Promise<PeerGroupFigures | undefined> };
  alerts: { get(customerId: string, period: string, kind: Alert['kind']): Promise<(Alert & { email: { state: string } }) | undefined> };
  arrears: Pick<ArrearsStore, 'receivables' | 'notices' | 'holds'>;
  tasks: Pick<ConsoleStore, 'tasksOf'>;
  payments: { forCustomer(customerId: string): Promise<Payment[]> };
}

const scope = (c: Customer): CustomerScope => ({ customerId: c.customerId, region: c.region, accountManagerEmail: c.accountManagerEmail });

/** One row of a caller's portfolio. */
export interface PortfolioRow {
  id: string;
  name: string;
  region: string;
  accountManager: string;
  tier: string | null;
  pattern: string | null;
  trend: string | null;
  peerGroup: number | null;
  /** The customer's open month: the month of its latest day of usage. */
  period: string | null;
  /** kWh of that month so far, and the days it covers. */
  monthKwh: number;
  monthDays: number;
  /** The month's bill projected to its end (the days still to come as the average day so far); null without a tariff. */
  projectedBill: { total: string; currency: string } | null;
  /** Alerts raised for the open month (demand, bill). */
  openAlerts: Alert['kind'][];
  /** The furthest notice stage of an overdue statement still outstanding, or null. */
  arrearsStage: Stage | null;
  /** Overdue amount outstanding (all overdue statements), as a decimal string. */
  overdue: string;
  openTasks: number;
  /** Next month's projected bill from the stored forecast (issue 11); null without a forecast or a bill. */
  nextMonthBill: { period: string; total: string; currency: string } | null;
  /** Anomalies still worth acting on (see openAnomalies); 0 without insights. */
  openAnomalies: number;
  /** Whether the caller may act on it (tasks, recommendations). */
  writable: boolean;
}

/** The customers the caller may see, in id order. */
export async function visibleCustomers(ports: Pick<ConsoleReadPorts, 'customers'>, caller: Caller): Promise<(Customer & { segment?: Segment; insights?: CustomerInsights })[]> {
  return (await ports.customers.list()).filter((c) => canRead(caller, scope(c))).sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
}

/**
 * The caller's portfolio: a manager's own customers, a supervisor's regions, everything for an operator. Per customer
 * a handful of reads (month so far, alerts, arrears, tasks), at most 8 customers at a time.
 */
export async function portfolio(ports: ConsoleReadPorts, caller: Caller, asOf: string): Promise<PortfolioRow[]> {
  const customers = await visibleCustomers(ports, caller);
  const tariffs = new Map<string, ReturnType<ConsoleReadPorts['tariffs']['get']>>();
  const tariff = (id: string) => {
    if (!tariffs.has(id)) tariffs.set(id, ports.tariffs.get(id));
    return tariffs.get(id)!;
  };
  return mapConcurrent(customers, 8, async (c): Promise<PortfolioRow> => {
    const last = await ports.segments.latestDay(c.customerId);
    const period = last ? last.slice(0, 7) : null;
    const [days, t, alerts, arrears, tasks] = await Promise.all([
      period ? ports.usage.range(c.customerId, periodRange(period).from, periodRange(period).to) : Promise.resolve([]),
      tariff(c.tariffId),
      period ? Promise.all((['demand', 'bill'] as const).map((k) => ports.alerts.get(c.customerId, period, k))) : Promise.resolve([]),
      arrearsOf(ports, c.customerId, asOf),
      ports.tasks.tasksOf(c.customerId),
    ]);
    let projectedBill: PortfolioRow['projectedBill'] = null;
    if (period && t && days.length) {
      const total = projectBill(c, t, period, periodUsage(periodRange(period), days));
      if (total !== null) projectedBill = { total, currency: t.currency };
    }
    return {
      id: c.customerId,
      name: c.name,
      region: c.region,
      accountManager: c.accountManagerEmail,
      tier: c.segment?.tier ?? null,
      pattern: c.segment?.pattern ?? null,
      trend: c.segment?.trend ?? null,
      peerGroup: c.segment?.peerGroup ?? null,
      period,
      monthKwh: round3(days.reduce((a, d) => a + d.kwh, 0)),
      monthDays: days.length,
      projectedBill,
      openAlerts: alerts.filter((a) => a !== undefined).map((a) => a.kind),
      arrearsStage: arrears.stage,
      overdue: arrears.overdue,
      openTasks: tasks.filter((x) => x.status === 'open').length,
      nextMonthBill: nextMonthBill(c.insights),
      openAnomalies: openAnomalies(c.insights).length,
      writable: canWrite(caller, scope(c)),
    };
  });
}

/** Days before insights.asOf (and asOf itself) in which an ended anomaly still counts as open: the last two weeks. */
export const OPEN_ANOMALY_DAYS = 14;

/**
 * The anomalies of the stored insights an account manager still has to look at: those that go on (they reach the
 * last day of data, `ongoing`) and those that ended within the last OPEN_ANOMALY_DAYS days of data (to ≥ asOf − 13).
 * Measured against the insights' own asOf, not today, so a customer whose data stopped arriving keeps its anomalies
 * open (no data is no all-clear). Older ones are history, shown on the customer 360 but not counted.
 */
export function openAnomalies(insights: CustomerInsights | undefined): Anomaly[] {
  if (!insights) return [];
  const since = dayKeyOfEpochDay(epochDayOf(insights.asOf) - (OPEN_ANOMALY_DAYS - 1));
  return insights.anomalies.filter((a) => a.ongoing || a.to >= since);
}

function nextMonthBill(insights: CustomerInsights | undefined): PortfolioRow['nextMonthBill'] {
  const f = insights?.forecast;
  return f && isForecast(f) && f.bill ? { period: f.period, ...f.bill } : null;
}

/** Overdue statements as of `asOf`: the amount still outstanding and the furthest notice stage among them. */
async function arrearsOf(ports: Pick<ConsoleReadPorts, 'arrears' | 'payments'>, customerId: string, asOf: string): Promise<{ stage: Stage | null; overdue: string }> {
  const receivables = await ports.arrears.receivables(customerId);
  if (!receivables.length) return { stage: null, overdue: '0.00' };
  const [payments, notices] = await Promise.all([ports.payments.forCustomer(customerId), ports.arrears.notices(customerId)]);
  const ledger = allocatePayments(receivables, payments.filter((p) => p.paidOn <= asOf));
  let overdue = new Decimal(0);
  let stage = -1;
  for (const r of ledger.receivables) {
    const outstanding = r.outstandingOn(asOf);
    if (outstanding.lte(0) || r.receivable.dueDate >= asOf) continue;
    overdue = overdue.plus(outstanding);
    const n = furthestNotice(notices, r.receivable.key);
    if (n) stage = Math.max(stage, STAGES.indexOf(n.stage));
  }
  return { stage: stage >= 0 ? STAGES[stage]! : null, overdue: overdue.toFixed(2) };
}

/** Everything the console shows about one customer. */
export interface Customer360 {
  profile: Customer;
  writable: boolean;
  segment: Segment | null;
  history: Pick<Segment, 'asOf' | 'tier' | 'pattern' | 'trend' | 'peerGroup'>[];
  /** The last 90 days up to the customer's latest day: kWh, max demand and interval quality. */
  days: { day: string; kwh: number; maxDemandKw: number; estimated: number; missing: number }[];
  /** Average day over those days as 24 hourly shares, against the peer group's median profile (null when not stored yet). */
  profileShares: number[] | null;
  peerProfile: number[] | null;
  statements: { period: string; version: number; total: string; currency: string; dueDate: string; email: string; sentAt: string | null }[];
  notices: (Pick<StoredNotice, 'statementKey' | 'stage' | 'disconnectionDate'> & { state: string; sentOn: string | null; messageId: string | null })[];
  payments: Payment[];
  holds: (Hold & { active: boolean })[];
  arrears: { stage: Stage | null; overdue: string };
  /**
   * Next month's forecast (issue 11) as stored by the ingest, with its data's last day, and the forecast maximum
   * demand as a share of the contract kW (null without either) and the interval's coverage (the configured one, for
   * the label); null when nothing was computed yet.
   */
  nextMonth: { asOf: string; forecast: ForecastResult; demandShare: number | null; coverage: number } | null;
  /** The stored anomalies, newest first, each marked open (see openAnomalies) and data (for the metering team). */
  anomalies: (Anomaly & { open: boolean; data: boolean })[];
}

/** Customer 360 for the caller; Forbidden when the customer is not theirs to see (the same answer as one that does not exist). */
export async function customer360(ports: ConsoleReadPorts, caller: Caller, customerId: string, asOf: string): Promise<Customer360> {
  const c = await ports.customers.get(customerId);
  if (!c || !canRead(caller, scope(c))) throw new Forbidden(`customer ${customerId}`);
  const { segment, insights, ...profile } = c;
  const last = await ports.segments.latestDay(customerId);
  const [history, days, statements, notices, payments, holds, arrears, peers] = await Promise.all([
    ports.segments.history(customerId),
    last ? ports.usage.range(customerId, dayKeyOfEpochDay(epochDayOf(last) - 89), last) : Promise.resolve([]),
    ports.statements.history(customerId),
    ports.arrears.notices(customerId),
    ports.payments.forCustomer(customerId),
    ports.arrears.holds(customerId),
    arrearsOf(ports, customerId, asOf),
    segment ? ports.peers.get() : Promise.resolve(undefined),
  ]);
  const hourly = new Array<number>(24).fill(0);
  for (const d of days) d.hourly.forEach((v, h) => (hourly[h]! += v));
  const sum = hourly.reduce((a, v) => a + v, 0);
  return {
    profile: profile as Customer,
    writable: canWrite(caller, scope(c)),
    segment: segment ?? null,
    history: history.map((h) => ({ asOf: h.asOf, tier: h.tier, pattern: h.pattern, trend: h.trend, peerGroup: h.peerGroup })),
    days: days.map((d) => ({ day: d.day, kwh: d.kwh, maxDemandKw: d.maxDemandKw, estimated: d.intervals.estimated, missing: d.intervals.missing })),
    profileShares: sum > 0 ? hourly.map((v) => round4(v / sum)) : null,
    peerProfile: segment ? (peers?.groups.find((g) => g.group === segment.peerGroup)?.medianProfile?.map(round4) ?? null) : null,
    statements: latestVersions(statements).map((s) => ({
      period: s.period,
      version: s.version,
      total: s.bill.total,
      currency: s.bill.currency,
      dueDate: s.dueDate,
      email: s.email.state,
      sentAt: s.email.at ?? null,
    })),
    // The proof of notice: when it went out and SES's message id.
    notices: notices.map((n) => ({
      statementKey: n.statementKey, stage: n.stage, ...(n.disconnectionDate ? { disconnectionDate: n.disconnectionDate } : {}),
      state: n.email.state, sentOn: n.email.sentOn ?? null, messageId: n.email.messageId ?? null,
    })),
    payments: [...payments].sort((a, b) => (a.paidAt < b.paidAt ? 1 : -1)),
    holds: holds.map((h) => {
      const end = holdEnd(h, payments, DEFAULT_ARREARS_POLICY.planGraceDays);
      return { ...h, active: h.from <= asOf && (!end || end > asOf) };
    }),
    arrears,
    nextMonth: insights
      ? {
          asOf: insights.asOf,
          forecast: insights.forecast,
          demandShare: isForecast(insights.forecast) && profile.contractKw ? round4(insights.forecast.maxDemandKw / profile.contractKw) : null,
          coverage: DEFAULT_FORECAST.coverage,
        }
      : null,
    anomalies: anomalyList(insights),
  };
}

function anomalyList(insights: CustomerInsights | undefined): Customer360['anomalies'] {
  const open = new Set(openAnomalies(insights));
  return [...(insights?.anomalies ?? [])]
    .sort((a, b) => (a.to !== b.to ? (a.to < b.to ? 1 : -1) : a.from < b.from ? 1 : a.from > b.from ? -1 : 0))
    .map((a) => ({ ...a, open: open.has(a), data: DATA_KINDS.has(a.kind) }));
}

/** The current version of each period, newest period first. */
function latestVersions(statements: readonly StoredStatement[]): StoredStatement[] {
  const by = new Map<string, StoredStatement>();
  for (const s of statements) if ((by.get(s.period)?.version ?? -1) < s.version) by.set(s.period, s);
  return [...by.values()].sort((a, b) => (a.period < b.period ? 1 : -1));
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const round4 = (v: number) => Math.round(v * 10000) / 10000;

/**
 * A statement's email HTML as it was sent: rendered again from the stored statement by the renderer that sent it
 * (pure, so the same statement gives the same HTML). The latest version of the period unless `version` is given.
 */
export async function statementHtml(
  ports: Pick<ConsoleReadPorts, 'customers' | 'statements'>,
  caller: Caller,
  customerId: string,
  period: string,
  version: number | undefined,
  opts: RenderOptions,
): Promise<{ html: string; fileName: string } | null> {
  const c = await ports.customers.get(customerId);
  if (!c || !canRead(caller, scope(c))) throw new Forbidden(`customer ${customerId}`);
  const versions = (await ports.statements.history(customerId)).filter((s) => s.period === period);
  const s = version === undefined ? latestVersions(versions)[0] : versions.find((x) => x.version === version);
  if (!s) return null;
  const email = renderStatementEmail(s, { name: c.name, email: c.email, locale: c.locale, accountManagerEmail: c.accountManagerEmail }, opts);
  return { html: email.html, fileName: `${customerId}-${period}-v${s.version}.html` };
}
